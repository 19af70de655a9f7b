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
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

const (
	protocPrintBudget = 10  // levels of nesting printed as messages
	protocTopGroups   = 100 // group nesting protoc's top-level parser allows
)

// cppField is one token as protoc's parser sees it: a field, or with
// EndGroupType the end of a group.
type cppField struct {
	num    uint32
	typ    protowire.Type
	value  uint64 // varint, fixed32, fixed64
	bytes  []byte
	offset int
}

// cppParser mimics one of protoc's two parsers, a token at a time, so
// neither checking nor printing keeps a tree of the message.
type cppParser struct {
	b      []byte
	nested bool // the CodedInputStream parser used for nested values
	limit  int  // how deeply groups may nest
	off    int
	groups []uint32
	err    cppErr
	errAt  int
}

// cppErr is why protoc's parser stops; its text is made only when an
// error is printed, since asMessage asks about every string.
type cppErr struct {
	kind int
	arg  uint64
}

const (
	errNone = iota
	errTruncatedVarint
	errLongVarint
	errFieldZero
	errTruncatedFixed
	errLength2GiB
	errPastEnd
	errGroupDepth
	errEndGroup
	errWireType
	errNoEnd
)

func (e cppErr) String() string {
	return [...]string{
		errNone:            "",
		errTruncatedVarint: "truncated varint",
		errLongVarint:      fmt.Sprintf("protoc's parser reads at most %d bytes here", e.arg),
		errFieldZero:       "field number 0",
		errTruncatedFixed:  "truncated fixed value",
		errLength2GiB:      "protoc's parser refuses lengths of 2 GiB or more",
		errPastEnd:         fmt.Sprintf("length %d runs past the end", e.arg),
		errGroupDepth:      fmt.Sprintf("groups nested deeper than protoc's limit of %d", e.arg),
		errEndGroup:        fmt.Sprintf("unexpected end group %d", e.arg),
		errWireType:        fmt.Sprintf("wire type %d", e.arg),
		errNoEnd:           fmt.Sprintf("group %d has no end", e.arg),
	}[e.kind]
}

func (p *cppParser) fail(off, kind int, arg uint64) bool {
	if p.err.kind == errNone {
		p.err, p.errAt = cppErr{kind, arg}, off
	}
	return false
}

// varint reads at most max bytes; bits past 64 are dropped, as in C++.
func (p *cppParser) varint(off, max int) (uint64, int, bool) {
	if off < len(p.b) && p.b[off] < 0x80 { // most tags and lengths: one byte
		return uint64(p.b[off]), 1, true
	}
	var v uint64
	for i := 0; i < max; i++ {
		if off+i >= len(p.b) {
			return 0, 0, p.fail(off, errTruncatedVarint, 0)
		}
		c := p.b[off+i]
		if i < 10 {
			v |= uint64(c&0x7f) << (7 * i)
		}
		if c < 0x80 {
			return v, i + 1, true
		}
	}
	return 0, 0, p.fail(off, errLongVarint, uint64(max))
}

// next returns the next token, or false at the end or at the first error.
func (p *cppParser) next() (cppField, bool) {
	if p.err.kind != errNone {
		return cppField{}, false
	}
	off := p.off
	if off == len(p.b) {
		if n := len(p.groups); n > 0 {
			return cppField{}, p.fail(off, errNoEnd, uint64(p.groups[n-1]))
		}
		return cppField{}, false
	}
	tagMax, lenMax := 5, 5
	if p.nested {
		tagMax, lenMax = 10, 10
	}
	t, n, ok := p.varint(off, tagMax)
	if !ok {
		return cppField{}, false
	}
	tag := uint32(t) // C++ keeps the low 32 bits of a tag
	f := cppField{num: tag >> 3, typ: protowire.Type(tag & 7), offset: off}
	if tag == 0 || f.num == 0 {
		return cppField{}, p.fail(off, errFieldZero, 0)
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
		if v+n > len(p.b) {
			return cppField{}, p.fail(v, errTruncatedFixed, 0)
		}
		for i := n - 1; i >= 0; i-- {
			f.value = f.value<<8 | uint64(p.b[v+i])
		}
	case protowire.BytesType:
		var l uint64
		if l, n, ok = p.varint(v, lenMax); !ok {
			return cppField{}, false
		}
		if !p.nested && n == 5 && p.b[v+4] >= 8 {
			return cppField{}, p.fail(v, errLength2GiB, 0)
		}
		l = uint64(uint32(l))
		if l > 1<<31-17 || l > uint64(len(p.b)-v-n) {
			return cppField{}, p.fail(v, errPastEnd, l)
		}
		f.bytes = p.b[v+n : v+n+int(l)]
		n += int(l)
	case protowire.StartGroupType:
		if len(p.groups) >= p.limit {
			return cppField{}, p.fail(off, errGroupDepth, uint64(p.limit))
		}
		p.groups = append(p.groups, f.num)
		n = 0
	case protowire.EndGroupType:
		k := len(p.groups)
		if k == 0 || p.groups[k-1] != f.num {
			return cppField{}, p.fail(off, errEndGroup, uint64(f.num))
		}
		p.groups = p.groups[:k-1]
		n = 0
	default:
		return cppField{}, p.fail(off, errWireType, uint64(f.typ))
	}
	if !ok {
		return cppField{}, false
	}
	p.off = v + n
	return f, true
}

// parses reports whether all of p parses.
func (p *cppParser) parses() bool {
	for _, ok := p.next(); ok; _, ok = p.next() {
	}
	return p.err.kind == errNone
}

// protocText prints what `protoc --decode_raw` prints for b, or returns an
// error where protoc would print "Failed to parse input.". protoc parses
// the whole input before it prints anything, and so does this.
func protocText(w *output, b []byte) error {
	if p := (&cppParser{b: b, limit: protocTopGroups}); !p.parses() {
		return fmt.Errorf("offset %d: valid protobuf, but protoc --decode_raw rejects it: %s", p.errAt, p.err)
	}
	pr := &protocPrinter{w: w}
	pr.print(0, b, false, protocTopGroups, 0, protocPrintBudget)
	return nil
}

type protocPrinter struct {
	w       *output
	line    []byte
	parsers [protocPrintBudget + 1]cppParser // one per level of nested message, reused
	probe   cppParser                        // asMessage's, reused
}

// asMessage reports whether a length-delimited value is a nested message
// for protoc: not empty, and parsed by the nested parser with budget
// levels of groups.
func (pr *protocPrinter) asMessage(b []byte, budget int) bool {
	if len(b) == 0 || budget <= 0 {
		return false
	}
	p := &pr.probe
	*p = cppParser{b: b, nested: true, limit: budget, groups: p.groups[:0]}
	return p.parses()
}

// spaces is indentation, sliced: two per level, up to 10 messages and 100
// groups deep.
var spaces = strings.Repeat(" ", 2*(protocPrintBudget+protocTopGroups+1))

// print prints the tokens of b, the message nested level deep (parsed as
// protoc does at that level), indent levels in, with budget levels of
// nesting left to print as messages.
func (pr *protocPrinter) print(level int, b []byte, nested bool, limit, indent, budget int) {
	p := &pr.parsers[level]
	*p = cppParser{b: b, nested: nested, limit: limit, groups: p.groups[:0]}
	for f, ok := p.next(); ok && pr.w.err == nil; f, ok = p.next() {
		b := pr.line[:0]
		switch f.typ {
		case protowire.EndGroupType:
			indent, budget = indent-1, budget+1
			b = append(b, spaces[:2*indent]...)
			b = append(b, "}\n"...)
			pr.w.Write(b)
			continue
		}
		b = append(b, spaces[:2*indent]...)
		b = strconv.AppendUint(b, uint64(f.num), 10)
		switch f.typ {
		case protowire.VarintType:
			b = append(b, ": "...)
			b = strconv.AppendUint(b, f.value, 10)
		case protowire.Fixed32Type:
			b = append(b, ": "...)
			b = appendHexDigits(b, f.value, 8)
		case protowire.Fixed64Type:
			b = append(b, ": "...)
			b = appendHexDigits(b, f.value, 16)
		case protowire.BytesType:
			if pr.asMessage(f.bytes, budget) {
				pr.w.Write(append(b, " {\n"...))
				pr.print(level+1, f.bytes, true, budget, indent+1, budget-1)
				b = append(pr.line[:0], spaces[:2*indent]...)
				b = append(b, '}')
			} else {
				b = append(b, `: "`...)
				b = appendCEscape(b, f.bytes)
				b = append(b, '"')
			}
		case protowire.StartGroupType:
			b = append(b, " {"...)
			indent, budget = indent+1, budget-1
		}
		b = append(b, '\n')
		pr.w.Write(b)
		pr.line = b
	}
}

// appendHexDigits is 0x%0*x.
func appendHexDigits(b []byte, v uint64, digits int) []byte {
	b = append(b, "0x"...)
	for i := digits - 1; i >= 0; i-- {
		b = append(b, "0123456789abcdef"[v>>(4*i)&0xf])
	}
	return b
}

// cEscape is protobuf's CEscape: the usual backslash escapes, printable
// ASCII as is, every other byte (UTF-8 included) as three octal digits.
func cEscape(b []byte) string { return string(appendCEscape(nil, b)) }

func appendCEscape(w []byte, b []byte) []byte {
	for _, c := range b {
		switch c {
		case '\n':
			w = append(w, `\n`...)
		case '\r':
			w = append(w, `\r`...)
		case '\t':
			w = append(w, `\t`...)
		case '"':
			w = append(w, `\"`...)
		case '\'':
			w = append(w, `\'`...)
		case '\\':
			w = append(w, `\\`...)
		default:
			if c < 0x20 || c >= 0x7f {
				w = append(w, '\\', '0'+c>>6, '0'+c>>3&7, '0'+c&7)
			} else {
				w = append(w, c)
			}
		}
	}
	return w
}
