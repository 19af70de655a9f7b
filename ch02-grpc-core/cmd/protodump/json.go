package main

import (
	"encoding/hex"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// jsonField is one field in -format=json, the shape a reader decodes.
// 64-bit numbers are strings, as in protobuf's JSON mapping, so JavaScript
// readers do not lose digits.
type jsonField struct {
	Offset   int          `json:"offset"`
	End      int          `json:"end"`
	Field    int32        `json:"field"`
	WireType string       `json:"wireType"`
	Varint   string       `json:"varint,omitempty"`
	Sint     string       `json:"sint,omitempty"`
	Fixed32  string       `json:"fixed32,omitempty"`
	Float    string       `json:"float,omitempty"`
	Fixed64  string       `json:"fixed64,omitempty"`
	Double   string       `json:"double,omitempty"`
	Length   *int         `json:"length,omitempty"`
	Hex      *string      `json:"hex,omitempty"`     // the payload's bytes (see maxAlsoShown)
	String   *string      `json:"string,omitempty"`  // when the payload is UTF-8 (see maxAlsoShown)
	Message  []jsonField  `json:"message,omitempty"` // when it parses as a message
	Packed   []string     `json:"packed,omitempty"`  // when it parses as packed varints (see maxAlsoShown)
	Group    *[]jsonField `json:"group,omitempty"`
}

type jsonDoc struct {
	Size   int         `json:"size"`
	Fields []jsonField `json:"fields"`
}

// maxAlsoShown: a payload that reads as a message gets its hex, string
// and packed readings too only when it is this short. A short one may
// well be a string or a list that happens to parse ("hi" is {13: 105});
// a long one is a message, whose bytes its own fields show, with offsets.
// Printing every reading at every level would repeat each byte once per
// level of nesting: 26 KB of nested fields made 60 MB of JSON that way.
const maxAlsoShown = 16

// jsonWriter prints compact JSON as it goes (pipe it to jq to read it).
// Indenting would cost more bytes than the fields themselves: every level
// of nesting indents every line below it.
type jsonWriter struct {
	o     *output
	items []int // items written so far in each open object or array
	buf   []byte
}

func (j *jsonWriter) open(c byte) {
	j.o.Write([]byte{c})
	j.items = append(j.items, 0)
}

func (j *jsonWriter) close(c byte) {
	j.items = j.items[:len(j.items)-1]
	j.o.Write([]byte{c})
}

// item starts the next element of the innermost object or array.
func (j *jsonWriter) item() {
	if j.items[len(j.items)-1] > 0 {
		j.o.Write([]byte{','})
	}
	j.items[len(j.items)-1]++
}

func (j *jsonWriter) key(k string) {
	j.item()
	j.buf = append(j.buf[:0], '"')
	j.buf = append(j.buf, k...) // keys are plain ASCII
	j.buf = append(j.buf, '"', ':')
	j.o.Write(j.buf)
}

func (j *jsonWriter) str(k, v string) { j.key(k); j.o.Write(appendJSONString(j.buf[:0], v)) }

func (j *jsonWriter) int(k string, v int) {
	j.key(k)
	j.o.Write(strconv.AppendInt(j.buf[:0], int64(v), 10))
}

// quoted writes a number as a JSON string, as 64-bit numbers are.
func (j *jsonWriter) quoted(k string, num []byte) {
	j.key(k)
	j.buf = append(append(append(j.buf[:0], '"'), num...), '"')
	j.o.Write(j.buf)
}

// appendJSONString quotes s as encoding/json does: invalid UTF-8 becomes
// U+FFFD, control characters are escaped, and so are <, > and & and the
// two line separators JavaScript chokes on.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, `\n`...)
			case c == '\r':
				b = append(b, `\r`...)
			case c == '\t':
				b = append(b, `\t`...)
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// jsonFields prints the tokens of the message p (at base) as an array.
func (j *jsonWriter) fields(l *lab, p []byte, base, depth int) {
	j.open('[')
	w := l.walk(p, base)
	for f, ok := w.next(); ok && j.o.err == nil; f, ok = w.next() {
		if f.Type == protowire.EndGroupType {
			// A group's "end" comes after its fields, when it is known:
			// JSON readers do not mind the order of keys.
			j.close(']')
			j.int("end", f.End)
			j.close('}')
			continue
		}
		j.item()
		j.open('{')
		j.int("offset", f.Offset)
		if f.Type != protowire.StartGroupType {
			j.int("end", f.End)
		}
		j.int("field", int(f.Num))
		j.key("wireType")
		j.buf = append(append(append(j.buf[:0], '"'), typeName(f.Type)...), '"')
		j.o.Write(j.buf)
		switch f.Type {
		case protowire.VarintType:
			var d [24]byte
			j.quoted("varint", strconv.AppendUint(d[:0], f.Varint, 10))
			j.quoted("sint", strconv.AppendInt(d[:0], protowire.DecodeZigZag(f.Varint), 10))
		case protowire.Fixed32Type:
			j.str("fixed32", "0x"+strconv.FormatUint(f.Fixed, 16))
			j.str("float", strconv.FormatFloat(float64(math.Float32frombits(uint32(f.Fixed))), 'g', -1, 32))
		case protowire.Fixed64Type:
			j.str("fixed64", "0x"+strconv.FormatUint(f.Fixed, 16))
			j.str("double", strconv.FormatFloat(math.Float64frombits(f.Fixed), 'g', -1, 64))
		case protowire.BytesType:
			j.payload(l, f, depth)
		case protowire.StartGroupType:
			j.key("group")
			j.open('[')
			continue // its fields follow; its end token closes both
		}
		j.close('}')
	}
	j.close(']')
}

func (j *jsonWriter) payload(l *lab, f field, depth int) {
	b := f.Bytes
	j.int("length", len(b))
	msgOK := false
	if depth < maxGuessDepth {
		_, msgOK = l.message(b)
	}
	also := !msgOK || len(b) <= maxAlsoShown
	if also {
		j.key("hex")
		j.o.Write([]byte{'"'})
		for c := range slices.Chunk(b, 4096) {
			j.o.Write(hex.AppendEncode(j.buf[:0], c))
		}
		j.o.Write([]byte{'"'})
		if utf8.Valid(b) {
			j.key("string")
			j.o.Write(appendJSONString(j.buf[:0], string(b)))
		}
	}
	if msgOK {
		j.key("message")
		j.fields(l, b, f.End-len(b), depth+1)
	}
	if also && len(b) > 0 {
		if _, _, ok := packedVarints(b, nil, 0); ok {
			j.key("packed")
			j.open('[')
			for off := 0; off < len(b) && j.o.err == nil; {
				v, n := protowire.ConsumeVarint(b[off:])
				j.item()
				j.buf = append(j.buf[:0], '"')
				j.buf = strconv.AppendUint(j.buf, v, 10)
				j.o.Write(append(j.buf, '"'))
				off += n
			}
			j.close(']')
		}
	}
}

// jsonTree is -format=json: the decoded tree with offsets into the input.
func jsonTree(o *output, data []byte, l *lab) {
	j := &jsonWriter{o: o}
	j.open('{')
	j.int("size", len(data))
	j.key("fields")
	j.fields(l, data, 0, 0)
	j.close('}')
	o.Write([]byte{'\n'})
}
