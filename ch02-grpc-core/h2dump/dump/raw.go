package dump

import (
	"encoding/hex"
	"math"
	"strconv"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// appendMessage prints a protobuf message without its schema, compactly:
// {1: "Grace Hopper", 2: 85}. Field numbers are all the wire knows. It
// appends to dst, so a frame's messages share one buffer.
func appendMessage(dst, b []byte) ([]byte, error) {
	fs, err := decodeRaw(b)
	if err != nil {
		return dst, err
	}
	return appendFields(dst, fs, 0), nil
}

func appendFields(b []byte, fs []rawField, depth int) []byte {
	b = append(b, '{')
	for i, f := range fs {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, int64(f.Num), 10)
		b = append(b, ": "...)
		switch f.Type {
		case protowire.VarintType:
			if f.Varint > math.MaxInt64 {
				// A negative int32/int64 is sent as ten bytes of two's complement.
				b = strconv.AppendInt(b, int64(f.Varint), 10)
			} else {
				b = strconv.AppendUint(b, f.Varint, 10)
			}
		case protowire.Fixed32Type:
			b = appendHex(b, f.Fixed, 8)
		case protowire.Fixed64Type:
			b = appendHex(b, f.Fixed, 16)
		case protowire.StartGroupType:
			b = appendFields(b, f.Group, depth+1)
		case protowire.BytesType:
			b = appendBytes(b, f.Bytes, depth)
		}
	}
	return append(b, '}')
}

// appendHex is 0x%0*x.
func appendHex(b []byte, v uint64, digits int) []byte {
	b = append(b, "0x"...)
	for i := digits - 1; i >= 0; i-- {
		b = append(b, "0123456789abcdef"[v>>(4*i)&0xf])
	}
	return b
}

// appendBytes guesses what a length-delimited field holds, as protoc
// --decode_raw does: readable text, else a nested message, else hex.
func appendBytes(b, p []byte, depth int) []byte {
	const maxShown = 48
	if printable(p) {
		if len(p) > maxShown {
			b = strconv.AppendQuote(b, string(p[:maxShown]))
			b = append(b, "…("...)
			b = strconv.AppendInt(b, int64(len(p)), 10)
			return append(b, " bytes)"...)
		}
		return strconv.AppendQuote(b, string(p))
	}
	if depth < 8 && len(p) > 0 {
		if fs, err := decodeRaw(p); err == nil {
			return appendFields(b, fs, depth+1)
		}
	}
	b = append(b, "0x"...)
	if len(p) > maxShown/2 {
		b = hex.AppendEncode(b, p[:maxShown/2])
		b = append(b, "…("...)
		b = strconv.AppendInt(b, int64(len(p)), 10)
		return append(b, " bytes)"...)
	}
	return hex.AppendEncode(b, p)
}

func printable(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}
