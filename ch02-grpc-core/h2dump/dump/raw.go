package dump

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// formatMessage prints a protobuf message without its schema, compactly:
// {1: "Grace Hopper", 2: 85}. Field numbers are all the wire knows.
func formatMessage(b []byte) (string, error) {
	fs, err := decodeRaw(b)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	writeFields(&sb, fs, 0)
	return sb.String(), nil
}

func writeFields(sb *strings.Builder, fs []rawField, depth int) {
	sb.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(sb, "%d: ", f.Num)
		switch f.Type {
		case protowire.VarintType:
			if f.Varint > math.MaxInt64 {
				// A negative int32/int64 is sent as ten bytes of two's complement.
				sb.WriteString(strconv.FormatInt(int64(f.Varint), 10))
			} else {
				sb.WriteString(strconv.FormatUint(f.Varint, 10))
			}
		case protowire.Fixed32Type:
			fmt.Fprintf(sb, "0x%08x", f.Fixed)
		case protowire.Fixed64Type:
			fmt.Fprintf(sb, "0x%016x", f.Fixed)
		case protowire.StartGroupType:
			writeFields(sb, f.Group, depth+1)
		case protowire.BytesType:
			writeBytes(sb, f.Bytes, depth)
		}
	}
	sb.WriteByte('}')
}

// writeBytes guesses what a length-delimited field holds, as protoc
// --decode_raw does: readable text, else a nested message, else hex.
func writeBytes(sb *strings.Builder, b []byte, depth int) {
	const maxShown = 48
	if printable(b) {
		if len(b) > maxShown {
			fmt.Fprintf(sb, "%q…(%d bytes)", b[:maxShown], len(b))
		} else {
			fmt.Fprintf(sb, "%q", b)
		}
		return
	}
	if depth < 8 && len(b) > 0 {
		if fs, err := decodeRaw(b); err == nil {
			writeFields(sb, fs, depth+1)
			return
		}
	}
	if len(b) > maxShown/2 {
		fmt.Fprintf(sb, "0x%x…(%d bytes)", b[:maxShown/2], len(b))
	} else {
		fmt.Fprintf(sb, "0x%x", b)
	}
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
