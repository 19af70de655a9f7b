// Package solution is the reference for the h2dump lab: the parts of an
// HTTP/2 frame reader that teach the protocol (frame header, flags, stream
// states, gRPC message framing). The proxy, HPACK and printing around them
// live in ../dump.
package solution

import (
	"encoding/binary"
	"fmt"

	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2"
)

// ParseFrameHeader decodes the 9-byte header at the start of b (RFC 9113
// §4.1). It needs at least 9 bytes and ignores anything after them.
func ParseFrameHeader(b []byte) (h2.FrameHeader, error) {
	if len(b) < h2.HeaderLen {
		return h2.FrameHeader{}, fmt.Errorf("frame header needs %d bytes, got %d", h2.HeaderLen, len(b))
	}
	return h2.FrameHeader{
		// Three bytes, big-endian: there is no 24-bit helper in encoding/binary.
		Length: uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]),
		Type:   h2.FrameType(b[3]),
		Flags:  h2.Flags(b[4]),
		// The top bit is reserved: senders must leave it 0 and receivers
		// must ignore it, so it is masked off rather than rejected.
		StreamID: binary.BigEndian.Uint32(b[5:9]) & (1<<31 - 1),
	}, nil
}

// CheckFrameHeader applies the rules that a frame header alone can break
// (RFC 9113 §4.2 and §6): the payload limit the receiver advertised, the
// fixed sizes of some frames, and which frames belong to stream 0.
// Unknown frame types pass: receivers must ignore them.
func CheckFrameHeader(h h2.FrameHeader, maxFrameSize uint32) error {
	if h.Length > maxFrameSize {
		return h2.ConnError(h2.ErrCodeFrameSize, "%v frame of %d bytes exceeds SETTINGS_MAX_FRAME_SIZE %d", h.Type, h.Length, maxFrameSize)
	}
	switch h.Type {
	case h2.FrameData, h2.FrameHeaders, h2.FrameContinuation, h2.FramePushPromise:
		if h.StreamID == 0 {
			return h2.ConnError(h2.ErrCodeProtocol, "%v frame on stream 0: it must belong to a stream", h.Type)
		}
	case h2.FramePriority:
		if h.StreamID == 0 {
			return h2.ConnError(h2.ErrCodeProtocol, "PRIORITY frame on stream 0: it must belong to a stream")
		}
		if h.Length != 5 {
			// A stream error: a bad PRIORITY frame spoils only its stream.
			return h2.StreamError(h.StreamID, h2.ErrCodeFrameSize, "PRIORITY frame of %d bytes, must be 5", h.Length)
		}
	case h2.FrameRSTStream:
		if h.StreamID == 0 {
			return h2.ConnError(h2.ErrCodeProtocol, "RST_STREAM frame on stream 0: it must belong to a stream")
		}
		if h.Length != 4 {
			return h2.ConnError(h2.ErrCodeFrameSize, "RST_STREAM frame of %d bytes, must be 4", h.Length)
		}
	case h2.FrameSettings:
		if h.StreamID != 0 {
			return h2.ConnError(h2.ErrCodeProtocol, "SETTINGS frame on stream %d: it belongs to stream 0", h.StreamID)
		}
		if h.Flags.Has(h2.FlagAck) && h.Length != 0 {
			return h2.ConnError(h2.ErrCodeFrameSize, "SETTINGS ACK with %d bytes of payload, must be empty", h.Length)
		}
		if h.Length%6 != 0 {
			return h2.ConnError(h2.ErrCodeFrameSize, "SETTINGS frame of %d bytes, must be a multiple of 6", h.Length)
		}
	case h2.FramePing:
		if h.StreamID != 0 {
			return h2.ConnError(h2.ErrCodeProtocol, "PING frame on stream %d: it belongs to stream 0", h.StreamID)
		}
		if h.Length != 8 {
			return h2.ConnError(h2.ErrCodeFrameSize, "PING frame of %d bytes, must be 8", h.Length)
		}
	case h2.FrameGoAway:
		if h.StreamID != 0 {
			return h2.ConnError(h2.ErrCodeProtocol, "GOAWAY frame on stream %d: it belongs to stream 0", h.StreamID)
		}
		if h.Length < 8 {
			return h2.ConnError(h2.ErrCodeFrameSize, "GOAWAY frame of %d bytes, needs at least 8", h.Length)
		}
	case h2.FrameWindowUpdate:
		// WINDOW_UPDATE is the one frame valid on stream 0 and on streams.
		if h.Length != 4 {
			return h2.ConnError(h2.ErrCodeFrameSize, "WINDOW_UPDATE frame of %d bytes, must be 4", h.Length)
		}
	}
	return nil
}

// FlagNames names the flags set in f for a frame of type t, in bit order.
// A bit means different things on different types (0x1 is END_STREAM on
// DATA but ACK on PING). A set bit that the type does not define is named
// in hex and reported in the error: senders must leave such bits 0, and
// receivers must ignore them (RFC 9113 §4.1), so it is worth a warning,
// not a rejection. Unknown frame types define no flags.
func FlagNames(t h2.FrameType, f h2.Flags) ([]string, error) {
	var defs []flagDef
	switch t {
	case h2.FrameData:
		defs = []flagDef{{h2.FlagEndStream, "END_STREAM"}, {h2.FlagPadded, "PADDED"}}
	case h2.FrameHeaders:
		defs = []flagDef{{h2.FlagEndStream, "END_STREAM"}, {h2.FlagEndHeaders, "END_HEADERS"},
			{h2.FlagPadded, "PADDED"}, {h2.FlagPriority, "PRIORITY"}}
	case h2.FrameSettings, h2.FramePing:
		defs = []flagDef{{h2.FlagAck, "ACK"}}
	case h2.FramePushPromise:
		defs = []flagDef{{h2.FlagEndHeaders, "END_HEADERS"}, {h2.FlagPadded, "PADDED"}}
	case h2.FrameContinuation:
		defs = []flagDef{{h2.FlagEndHeaders, "END_HEADERS"}}
	}
	var (
		names   []string
		unknown h2.Flags
	)
	for bit := h2.Flags(1); bit != 0; bit <<= 1 {
		if !f.Has(bit) {
			continue
		}
		name := ""
		for _, d := range defs {
			if d.bit == bit {
				name = d.name
			}
		}
		if name == "" {
			name = fmt.Sprintf("0x%x", uint8(bit)) // as x/net/http2 prints it
			unknown |= bit
		}
		names = append(names, name)
	}
	if unknown != 0 {
		return names, fmt.Errorf("flag bits 0x%02x are not defined for %v frames (senders must leave them 0)", uint8(unknown), t)
	}
	return names, nil
}

type flagDef struct {
	bit  h2.Flags
	name string
}
