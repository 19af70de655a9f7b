package main

// -format=protoc reproduces `protoc --decode_raw` (protoc 3.21, Debian 12's
// protobuf-compiler), learned by feeding it inputs and reading the output:
//
//   - A length-delimited value is printed as a nested message when it is not
//     empty and parses as one, else as a string with C escapes.
//   - Printing has a budget of 10 levels. Each nested message or group
//     spends one; at 0, length-delimited values are always strings, and a
//     value is only a message if its groups nest no deeper than the budget.
//   - protoc parses the top level and nested values with two different
//     parsers. The top level allows tags of at most 5 bytes, lengths of at
//     most 5 bytes (below 2 GiB) and 100 levels of groups. Nested values are
//     parsed more leniently: tags and lengths may be padded to 10 bytes.
//     Both drop the bits of a varint beyond 64 (or beyond 32, for a tag)
//     where protowire reports an overflow.
//
// protodump checks the input with the lab's DecodeRaw first, so input that
// protowire rejects gets an explanation instead of protoc's bare
// "Failed to parse input.".

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

const (
	protocPrintBudget = 10  // levels of nesting printed as messages
	protocTopGroups   = 100 // group nesting protoc's top-level parser allows
)

// cppField is a field as protoc's UnknownFieldSet holds it.
type cppField struct {
	num    uint32
	typ    protowire.Type
	value  uint64 // varint, fixed32, fixed64
	bytes  []byte
	group  []cppField
	offset int
}

// cppParser mimics one of protoc's two parsers.
type cppParser struct {
	b      []byte
	nested bool // the CodedInputStream parser used for nested values
	err    string
	errAt  int
}

func (p *cppParser) fail(off int, format string, a ...any) bool {
	if p.err == "" {
		p.err, p.errAt = fmt.Sprintf(format, a...), off
	}
	return false
}

// varint reads at most max bytes; bits past 64 are dropped, as in C++.
func (p *cppParser) varint(off, max int) (uint64, int, bool) {
	var v uint64
	for i := 0; i < max; i++ {
		if off+i >= len(p.b) {
			return 0, 0, p.fail(off, "truncated varint")
		}
		c := p.b[off+i]
		if i < 10 {
			v |= uint64(c&0x7f) << (7 * i)
		}
		if c < 0x80 {
			return v, i + 1, true
		}
	}
	return 0, 0, p.fail(off, "protoc's parser reads at most %d bytes here", max)
}

// fields parses b[off:] until its end, or until the end-group tag of group
// (group > 0). It returns the offset after what it consumed.
func (p *cppParser) fields(off, depth, limit int, group uint32) ([]cppField, int, bool) {
	var out []cppField
	tagMax, lenMax := 5, 5
	if p.nested {
		tagMax, lenMax = 10, 10
	}
	for {
		if off == len(p.b) {
			if group != 0 {
				return nil, 0, p.fail(off, "group %d has no end", group)
			}
			return out, off, true
		}
		t, n, ok := p.varint(off, tagMax)
		if !ok {
			return nil, 0, false
		}
		tag := uint32(t) // C++ keeps the low 32 bits of a tag
		f := cppField{num: tag >> 3, typ: protowire.Type(tag & 7), offset: off}
		if tag == 0 || f.num == 0 {
			return nil, 0, p.fail(off, "field number 0")
		}
		v := off + n
		switch f.typ {
		case protowire.VarintType:
			f.value, n, ok = p.varint(v, 10)
		case protowire.Fixed32Type, protowire.Fixed64Type:
			n = 4
			if f.typ == protowire.Fixed64Type {
				n = 8
			}
			if ok = v+n <= len(p.b); !ok {
				return nil, 0, p.fail(v, "truncated fixed value")
			}
			for i := n - 1; i >= 0; i-- {
				f.value = f.value<<8 | uint64(p.b[v+i])
			}
		case protowire.BytesType:
			var l uint64
			if l, n, ok = p.varint(v, lenMax); !ok {
				return nil, 0, false
			}
			if !p.nested && n == 5 && p.b[v+4] >= 8 {
				return nil, 0, p.fail(v, "protoc's parser refuses lengths of 2 GiB or more")
			}
			l = uint64(uint32(l))
			if l > 1<<31-17 || l > uint64(len(p.b)-v-n) {
				return nil, 0, p.fail(v, "length %d runs past the end", l)
			}
			f.bytes = p.b[v+n : v+n+int(l)]
			n += int(l)
		case protowire.StartGroupType:
			if depth >= limit {
				return nil, 0, p.fail(off, "groups nested deeper than protoc's limit of %d", limit)
			}
			var end int
			if f.group, end, ok = p.fields(v, depth+1, limit, f.num); !ok {
				return nil, 0, false
			}
			n = end - v
		case protowire.EndGroupType:
			if f.num != group {
				return nil, 0, p.fail(off, "unexpected end group %d", f.num)
			}
			return out, v, true
		default:
			return nil, 0, p.fail(off, "wire type %d", f.typ)
		}
		if !ok {
			return nil, 0, false
		}
		out = append(out, f)
		off = v + n
	}
}

// protocText is what `protoc --decode_raw` prints for b, or an error where
// protoc would print "Failed to parse input.".
func protocText(b []byte) (string, error) {
	p := &cppParser{b: b}
	fields, _, ok := p.fields(0, 0, protocTopGroups, 0)
	if !ok {
		return "", fmt.Errorf("offset %d: valid protobuf, but protoc --decode_raw rejects it: %s", p.errAt, p.err)
	}
	var w strings.Builder
	printProtoc(&w, fields, "", protocPrintBudget)
	return w.String(), nil
}

// asMessage parses a length-delimited value as protoc does to decide
// whether it is a nested message.
func asMessage(b []byte, budget int) ([]cppField, bool) {
	if len(b) == 0 || budget <= 0 {
		return nil, false
	}
	p := &cppParser{b: b, nested: true}
	fields, _, ok := p.fields(0, 0, budget, 0)
	return fields, ok
}

func printProtoc(w *strings.Builder, fields []cppField, indent string, budget int) {
	for _, f := range fields {
		switch f.typ {
		case protowire.VarintType:
			fmt.Fprintf(w, "%s%d: %d\n", indent, f.num, f.value)
		case protowire.Fixed32Type:
			fmt.Fprintf(w, "%s%d: 0x%08x\n", indent, f.num, f.value)
		case protowire.Fixed64Type:
			fmt.Fprintf(w, "%s%d: 0x%016x\n", indent, f.num, f.value)
		case protowire.BytesType:
			if sub, ok := asMessage(f.bytes, budget); ok {
				fmt.Fprintf(w, "%s%d {\n", indent, f.num)
				printProtoc(w, sub, indent+"  ", budget-1)
				fmt.Fprintf(w, "%s}\n", indent)
			} else {
				fmt.Fprintf(w, "%s%d: \"%s\"\n", indent, f.num, cEscape(f.bytes))
			}
		case protowire.StartGroupType:
			fmt.Fprintf(w, "%s%d {\n", indent, f.num)
			printProtoc(w, f.group, indent+"  ", budget-1)
			fmt.Fprintf(w, "%s}\n", indent)
		}
	}
}

// cEscape is protobuf's CEscape: the usual backslash escapes, printable
// ASCII as is, every other byte (UTF-8 included) as three octal digits.
func cEscape(b []byte) string {
	var w strings.Builder
	for _, c := range b {
		switch c {
		case '\n':
			w.WriteString(`\n`)
		case '\r':
			w.WriteString(`\r`)
		case '\t':
			w.WriteString(`\t`)
		case '"':
			w.WriteString(`\"`)
		case '\'':
			w.WriteString(`\'`)
		case '\\':
			w.WriteString(`\\`)
		default:
			if c < 0x20 || c >= 0x7f {
				fmt.Fprintf(&w, `\%03o`, c)
			} else {
				w.WriteByte(c)
			}
		}
	}
	return w.String()
}
