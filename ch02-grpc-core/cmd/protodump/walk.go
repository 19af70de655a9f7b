package main

// protodump never builds a tree of the message. It walks the bytes one
// field at a time with the wire lab's own Consume functions (the pieces
// DecodeRaw is made of), and prints as it goes, so memory stays the input
// plus a few buffers however many fields there are: a decoded Field is
// about 90 bytes, and a 50 MB message of two-byte fields has 25 million.

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/grpclabs/labs/ch02-grpc-core/wire/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/wire/solution"
)

// lab is the wire lab code -impl picks.
type lab struct {
	consumeTag     func([]byte) (protowire.Number, protowire.Type, int, error)
	consumeVarint  func([]byte) (uint64, int, error)
	consumeFixed32 func([]byte) (uint32, int, error)
	consumeFixed64 func([]byte) (uint64, int, error)
	consumeBytes   func([]byte) ([]byte, int, error)
	// shift moves a DecodeError from offsets in a slice to offsets in the
	// whole input, as the lab's own shift does.
	shift func(err error, base int) error
}

var (
	solutionLab = lab{solution.ConsumeTag, solution.ConsumeVarint, solution.ConsumeFixed32, solution.ConsumeFixed64, solution.ConsumeBytes,
		func(err error, base int) error {
			var e *solution.DecodeError
			if errors.As(err, &e) {
				return &solution.DecodeError{Offset: e.Offset + base, Reason: e.Reason}
			}
			return err
		}}
	exerciseLab = lab{exercise.ConsumeTag, exercise.ConsumeVarint, exercise.ConsumeFixed32, exercise.ConsumeFixed64, exercise.ConsumeBytes,
		func(err error, base int) error {
			var e *exercise.DecodeError
			if errors.As(err, &e) {
				return &exercise.DecodeError{Offset: e.Offset + base, Reason: e.Reason}
			}
			return err
		}}
)

// maxGroupDepth is how deeply groups may nest: protoc's parser stops at
// 100, and every view indents per level, so deeper nesting would make the
// output grow with the square of the depth.
const maxGroupDepth = 100

// field is one token of a message: a field and its value, or, with
// EndGroupType, the end of a group. Offsets are in the whole input.
type field struct {
	Num    protowire.Number
	Type   protowire.Type
	Offset int    // the tag's first byte
	Value  int    // the value's first byte (for a group: its first field)
	End    int    // past the value; for a group's start, Value
	Varint uint64 // VarintType
	Fixed  uint64 // Fixed32Type (low 32 bits) and Fixed64Type
	Bytes  []byte // BytesType: the payload, aliasing the input
}

// groupStart is an open group on the walker's stack.
type groupStart struct {
	num protowire.Number
	off int
}

// walker reads the tokens of one message b, found at base in the input.
// A group is its start token, the tokens inside it, then its end token.
type walker struct {
	l      *lab
	b      []byte
	base   int
	off    int
	groups []groupStart
	err    error
}

func (l *lab) walk(b []byte, base int) *walker {
	return &walker{l: l, b: b, base: base}
}

// Depth is how many groups the last token is inside (its own included,
// for a start; not included, for an end).
func (w *walker) Depth() int { return len(w.groups) }

func (w *walker) fail(err error) (field, bool) {
	if w.err == nil {
		w.err = err
	}
	return field{}, false
}

func (w *walker) failf(off int, format string, args ...any) (field, bool) {
	return w.fail(fmt.Errorf("wire: offset %d: "+format, append([]any{w.base + off}, args...)...))
}

// next returns the next token, or false at the end of the message or at
// the first error, which Err then returns.
func (w *walker) next() (field, bool) {
	if w.err != nil {
		return field{}, false
	}
	if w.off == len(w.b) {
		if n := len(w.groups); n > 0 {
			g := w.groups[n-1]
			return w.failf(g.off, "truncated group: field %d starts here and has no end-group tag", g.num)
		}
		return field{}, false
	}
	off := w.off
	num, typ, n, err := w.l.consumeTag(w.b[off:])
	if err != nil {
		return w.fail(w.l.shift(err, w.base+off))
	}
	f := field{Num: num, Type: typ, Offset: w.base + off, Value: w.base + off + n}
	v := off + n
	var m int
	switch typ {
	case protowire.VarintType:
		f.Varint, m, err = w.l.consumeVarint(w.b[v:])
	case protowire.Fixed32Type:
		var x uint32
		x, m, err = w.l.consumeFixed32(w.b[v:])
		f.Fixed = uint64(x)
	case protowire.Fixed64Type:
		f.Fixed, m, err = w.l.consumeFixed64(w.b[v:])
	case protowire.BytesType:
		f.Bytes, m, err = w.l.consumeBytes(w.b[v:])
	case protowire.StartGroupType:
		if len(w.groups) >= maxGroupDepth {
			return w.failf(off, "groups nested more than %d deep; protodump, like protoc, shows at most %d levels", maxGroupDepth, maxGroupDepth)
		}
		w.groups = append(w.groups, groupStart{num, off})
	case protowire.EndGroupType:
		k := len(w.groups)
		switch {
		case k == 0:
			return w.failf(off, "end group for field %d without a matching start group", num)
		case w.groups[k-1].num != num:
			return w.failf(off, "end group for field %d does not match the start group for field %d at offset %d", num, w.groups[k-1].num, w.base+w.groups[k-1].off)
		}
		w.groups = w.groups[:k-1]
	default: // ConsumeTag refuses wire types 6 and 7; a learner's may not
		return w.failf(off, "wire type %d is invalid (only 0-5 exist)", typ)
	}
	if err != nil {
		return w.fail(w.l.shift(err, w.base+v))
	}
	f.End = w.base + v + m
	w.off = v + m
	return f, true
}

// Err is why the walk stopped before the end, or nil.
func (w *walker) Err() error { return w.err }

// check walks all of b and returns the first error.
func (l *lab) check(b []byte, base int) error {
	w := l.walk(b, base)
	for _, ok := w.next(); ok; _, ok = w.next() {
	}
	return w.Err()
}

// message reports whether a length-delimited payload parses as a message
// (an empty one does not count: it could be anything), and how many fields
// it has at its top level, a group counting as one.
func (l *lab) message(p []byte) (fields int, ok bool) {
	if len(p) == 0 {
		return 0, false
	}
	w := l.walk(p, 0)
	for f, more := w.next(); more; f, more = w.next() {
		if w.Depth() == 0 && f.Type != protowire.EndGroupType || w.Depth() == 1 && f.Type == protowire.StartGroupType {
			fields++
		}
	}
	return fields, w.Err() == nil
}

// packedVarints reads p as packed varints: how many, and the first max of
// them, without keeping the rest.
func packedVarints(p []byte, first []uint64, max int) (vals []uint64, count int, ok bool) {
	vals = first[:0]
	for off := 0; off < len(p); count++ {
		v, n := protowire.ConsumeVarint(p[off:])
		if n < 0 {
			return nil, 0, false
		}
		if count < max {
			vals = append(vals, v)
		}
		off += n
	}
	return vals, count, true
}
