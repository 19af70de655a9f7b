// Package h2 holds the HTTP/2 vocabulary (RFC 9113) that the h2dump lab's
// exercise, solution, suite and tool share: frame types, flags, error codes,
// settings, stream states and the two kinds of protocol error. It contains
// names and types only; the logic a learner writes lives in exercise/.
package h2

import (
	"errors"
	"fmt"
)

// HeaderLen is the size of every frame header: 24-bit length, 8-bit type,
// 8-bit flags, 1 reserved bit and a 31-bit stream identifier (RFC 9113 §4.1).
const HeaderLen = 9

// DefaultMaxFrameSize is SETTINGS_MAX_FRAME_SIZE until a peer raises it
// (RFC 9113 §6.5.2); a frame payload may never exceed 2^24-1 bytes.
const (
	DefaultMaxFrameSize = 16384
	MaxFrameSizeLimit   = 1<<24 - 1
)

// ClientPreface is what an HTTP/2 client sends before its first frame
// (RFC 9113 §3.4), followed by a SETTINGS frame.
const ClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// FrameType is the 8-bit type field.
type FrameType uint8

// The frame types of RFC 9113 §6.
const (
	FrameData         FrameType = 0x0
	FrameHeaders      FrameType = 0x1
	FramePriority     FrameType = 0x2
	FrameRSTStream    FrameType = 0x3
	FrameSettings     FrameType = 0x4
	FramePushPromise  FrameType = 0x5
	FramePing         FrameType = 0x6
	FrameGoAway       FrameType = 0x7
	FrameWindowUpdate FrameType = 0x8
	FrameContinuation FrameType = 0x9
)

var frameNames = [...]string{"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS",
	"PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"}

// String is the RFC name, e.g. "WINDOW_UPDATE"; unknown types (which a
// receiver must ignore, §4.1) print as "UNKNOWN_0xNN".
func (t FrameType) String() string {
	if int(t) < len(frameNames) {
		return frameNames[t]
	}
	return fmt.Sprintf("UNKNOWN_0x%02x", uint8(t))
}

// Flags is the 8-bit flags field. A bit's meaning depends on the frame type:
// 0x1 is END_STREAM on DATA and HEADERS but ACK on SETTINGS and PING.
type Flags uint8

// The defined flag bits (RFC 9113 §6).
const (
	FlagEndStream  Flags = 0x1  // DATA, HEADERS
	FlagAck        Flags = 0x1  // SETTINGS, PING
	FlagEndHeaders Flags = 0x4  // HEADERS, PUSH_PROMISE, CONTINUATION
	FlagPadded     Flags = 0x8  // DATA, HEADERS, PUSH_PROMISE
	FlagPriority   Flags = 0x20 // HEADERS
)

// Has reports whether every bit of g is set in f.
func (f Flags) Has(g Flags) bool { return f&g == g }

// FrameHeader is the decoded 9-byte frame header.
type FrameHeader struct {
	Length   uint32    // payload length in bytes, 24 bits
	Type     FrameType //
	Flags    Flags     //
	StreamID uint32    // 31 bits; the reserved bit is not part of it
}

func (h FrameHeader) String() string {
	return fmt.Sprintf("%v stream=%d len=%d flags=0x%02x", h.Type, h.StreamID, h.Length, uint8(h.Flags))
}

// ErrCode is an RST_STREAM or GOAWAY error code (RFC 9113 §7).
type ErrCode uint32

// The error codes of RFC 9113 §7.
const (
	ErrCodeNo                 ErrCode = 0x0
	ErrCodeProtocol           ErrCode = 0x1
	ErrCodeInternal           ErrCode = 0x2
	ErrCodeFlowControl        ErrCode = 0x3
	ErrCodeSettingsTimeout    ErrCode = 0x4
	ErrCodeStreamClosed       ErrCode = 0x5
	ErrCodeFrameSize          ErrCode = 0x6
	ErrCodeRefusedStream      ErrCode = 0x7
	ErrCodeCancel             ErrCode = 0x8
	ErrCodeCompression        ErrCode = 0x9
	ErrCodeConnect            ErrCode = 0xa
	ErrCodeEnhanceYourCalm    ErrCode = 0xb
	ErrCodeInadequateSecurity ErrCode = 0xc
	ErrCodeHTTP11Required     ErrCode = 0xd
)

var errNames = [...]string{"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
	"SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL",
	"COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"}

func (c ErrCode) String() string {
	if int(c) < len(errNames) {
		return errNames[c]
	}
	return fmt.Sprintf("UNKNOWN_ERROR_0x%x", uint32(c))
}

// SettingID identifies one SETTINGS parameter (RFC 9113 §6.5.2).
type SettingID uint16

// The settings of RFC 9113 §6.5.2, plus RFC 8441's extended CONNECT.
const (
	SettingHeaderTableSize      SettingID = 0x1
	SettingEnablePush           SettingID = 0x2
	SettingMaxConcurrentStreams SettingID = 0x3
	SettingInitialWindowSize    SettingID = 0x4
	SettingMaxFrameSize         SettingID = 0x5
	SettingMaxHeaderListSize    SettingID = 0x6
	SettingEnableConnectProto   SettingID = 0x8
)

func (s SettingID) String() string {
	switch s {
	case SettingHeaderTableSize:
		return "HEADER_TABLE_SIZE"
	case SettingEnablePush:
		return "ENABLE_PUSH"
	case SettingMaxConcurrentStreams:
		return "MAX_CONCURRENT_STREAMS"
	case SettingInitialWindowSize:
		return "INITIAL_WINDOW_SIZE"
	case SettingMaxFrameSize:
		return "MAX_FRAME_SIZE"
	case SettingMaxHeaderListSize:
		return "MAX_HEADER_LIST_SIZE"
	case SettingEnableConnectProto:
		return "ENABLE_CONNECT_PROTOCOL"
	}
	return fmt.Sprintf("UNKNOWN_SETTING_0x%x", uint16(s))
}

// State is a stream's state from one endpoint's point of view (RFC 9113
// §5.1). gRPC never uses server push, so the two "reserved" states, which
// only PUSH_PROMISE reaches, are left out.
type State int

// The stream states of RFC 9113 §5.1 that gRPC uses.
const (
	StateIdle State = iota
	StateOpen
	StateHalfClosedLocal  // this endpoint sent END_STREAM; it may still receive
	StateHalfClosedRemote // the peer sent END_STREAM; this endpoint may still send
	StateClosed
)

func (s State) String() string {
	switch s {
	case StateIdle:
		return "idle"
	case StateOpen:
		return "open"
	case StateHalfClosedLocal:
		return "half-closed (local)"
	case StateHalfClosedRemote:
		return "half-closed (remote)"
	case StateClosed:
		return "closed"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Mirror is the same stream's state seen from the other endpoint: what is
// local to one side is remote to the other.
func (s State) Mirror() State {
	switch s {
	case StateHalfClosedLocal:
		return StateHalfClosedRemote
	case StateHalfClosedRemote:
		return StateHalfClosedLocal
	}
	return s
}

// Error is an HTTP/2 protocol error. Stream == 0 means a connection error
// (the whole connection is unusable, RFC 9113 §5.4.1); otherwise a stream
// error that ends only that stream (§5.4.2).
type Error struct {
	Code   ErrCode
	Stream uint32
	Reason string
}

func (e *Error) Error() string {
	if e.Stream == 0 {
		return fmt.Sprintf("connection error %v: %s", e.Code, e.Reason)
	}
	return fmt.Sprintf("stream error %v on stream %d: %s", e.Code, e.Stream, e.Reason)
}

// ConnError builds a connection error.
func ConnError(code ErrCode, format string, args ...any) error {
	return &Error{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// StreamError builds a stream error for stream id.
func StreamError(id uint32, code ErrCode, format string, args ...any) error {
	return &Error{Code: code, Stream: id, Reason: fmt.Sprintf(format, args...)}
}

// CodeOf returns the error code of an *Error anywhere in err's chain.
func CodeOf(err error) (ErrCode, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Code, true
	}
	return 0, false
}

// Message is one gRPC message cut out of a stream's DATA bytes: the
// 5-byte prefix (compressed flag, 4-byte big-endian length) removed.
type Message struct {
	Compressed bool
	Data       []byte
}

// MessagePrefixLen is the size of gRPC's length prefix.
const MessagePrefixLen = 5
