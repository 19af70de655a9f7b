package main

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// parseInput turns the input into message bytes. Hex and base64 may be
// spread over lines and spaced out as a person pastes them.
func parseInput(kind string, data []byte) ([]byte, error) {
	switch kind {
	case "hex":
		return parseHex(data)
	case "base64":
		return parseBase64(data)
	}
	return data, nil
}

func parseHex(data []byte) ([]byte, error) {
	out := make([]byte, 0, len(data)/2)
	var hi byte
	half, first := false, 0 // a digit waiting for its pair, and where it was
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case unicode.IsSpace(r):
		case hexVal(r) >= 0:
			if half {
				out = append(out, hi<<4|byte(hexVal(r)))
			} else {
				hi, first = byte(hexVal(r)), i
			}
			half = !half
		case r == utf8.RuneError && size == 1:
			return nil, fmt.Errorf("hex input: offset %d: byte %#02x is not a hex digit", i, data[i])
		default:
			return nil, fmt.Errorf("hex input: offset %d: %q is not a hex digit", i, r)
		}
		i += size
	}
	if half {
		return nil, fmt.Errorf("hex input: offset %d: odd number of hex digits, %q has no partner", first, data[first])
	}
	return out, nil
}

func hexVal(r rune) int {
	switch {
	case '0' <= r && r <= '9':
		return int(r - '0')
	case 'a' <= r && r <= 'f':
		return int(r-'a') + 10
	case 'A' <= r && r <= 'F':
		return int(r-'A') + 10
	}
	return -1
}

// parseBase64 accepts the standard and the URL alphabet, padded or not.
func parseBase64(data []byte) ([]byte, error) {
	s := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, string(data))
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if !strings.HasSuffix(s, "=") {
		enc = enc.WithPadding(base64.NoPadding)
	}
	out, err := enc.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("base64 input (whitespace removed): %v", err)
	}
	return out, nil
}
