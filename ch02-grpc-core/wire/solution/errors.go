// Package solution is the reference for the wire lab: protobuf's wire format
// encoded and decoded by hand, without the protobuf runtime (section 2.1,
// Protocol Buffers序列化机制). The exercise package has the same API.
//
// Every encoder appends to a caller's slice and returns it, like
// strconv.AppendInt: with a buffer of the right capacity, encoding allocates
// nothing. Every decoder consumes from the front of a slice and says how many
// bytes it used, so decoders compose without copying.
package solution

import (
	"fmt"
	"strconv"
)

// DecodeError says where and why bytes are not valid protobuf wire format.
type DecodeError struct {
	Offset int    // the first byte of the token that is wrong
	Reason string // what is wrong with it
}

func (e *DecodeError) Error() string {
	return "wire: offset " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

// errorf builds a DecodeError at offset off.
func errorf(off int, format string, args ...any) *DecodeError {
	return &DecodeError{Offset: off, Reason: fmt.Sprintf(format, args...)}
}

// shift moves an error from a decoder that saw b[base:] to offsets in b.
// Consume functions report offsets relative to the slice they were given;
// whoever slices the input adds the base back.
func shift(err error, base int) error {
	if e, ok := err.(*DecodeError); ok {
		return &DecodeError{Offset: e.Offset + base, Reason: e.Reason}
	}
	return err
}
