// Package exercise is your copy of the h2dump lab: the parts of an HTTP/2
// frame reader that teach the protocol. The proxy, HPACK and printing
// around them are done (../dump); `go run ./ch02-grpc-core/cmd/h2dump
// -impl=exercise ...` runs them on your code. Read ../README.md, then make
// `go test ./ch02-grpc-core/h2dump/exercise` green step by step.
package exercise

import (
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2"
	"github.com/grpclabs/labs/scripts/labkit"
)

// ParseFrameHeader decodes the 9-byte header at the start of b (RFC 9113
// §4.1): a 24-bit payload length, the 8-bit type, the 8-bit flags, one
// reserved bit and a 31-bit stream id, all big-endian. It needs at least 9
// bytes (say how many it got when it has fewer) and ignores the rest.
//
// Step 1.
func ParseFrameHeader(b []byte) (h2.FrameHeader, error) {
	return h2.FrameHeader{}, labkit.TODO("ParseFrameHeader")
}

// CheckFrameHeader applies the rules a frame header alone can break
// (RFC 9113 §4.2, §6): a payload above maxFrameSize is a FRAME_SIZE_ERROR;
// PING, WINDOW_UPDATE, RST_STREAM and PRIORITY have fixed sizes; SETTINGS is
// a multiple of 6 bytes and empty when it is an ACK; GOAWAY has at least 8
// bytes; which frames must, and which must not, be on stream 0. Return an
// h2.ConnError or h2.StreamError with the RFC's code, and a reason a person
// can act on. Unknown frame types are fine: receivers ignore them.
//
// Step 2.
func CheckFrameHeader(h h2.FrameHeader, maxFrameSize uint32) error {
	return labkit.TODO("CheckFrameHeader")
}

// FlagNames names the flags set in f for a frame of type t, lowest bit
// first: END_STREAM, END_HEADERS, PADDED, PRIORITY, ACK, each only on the
// types that define it. A set bit the type does not define is named in hex
// ("0x2", as x/net/http2 prints it) and reported in the error.
//
// Step 3.
func FlagNames(t h2.FrameType, f h2.Flags) ([]string, error) {
	return nil, labkit.TODO("FlagNames")
}
