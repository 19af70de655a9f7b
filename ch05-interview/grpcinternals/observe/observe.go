// Package observe holds the types the grpcinternals drill's experiments
// report, shared by the exercise, the solution and the suite.
package observe

// Write is one Write call on a tapped connection: who made it and what it
// carried.
type Write struct {
	// Goroutine is the id of the goroutine that called Write.
	Goroutine int64
	// Funcs is that goroutine's stack at the call, innermost first, as
	// function names without arguments ("net.(*conn).Write", ...).
	Funcs []string
	// Bytes is what was written.
	Bytes []byte
}

// Frame is one HTTP/2 frame of a connection, decoded.
type Frame struct {
	Type     string // "DATA", "HEADERS", "SETTINGS", "WINDOW_UPDATE", "PING", "RST_STREAM", "GOAWAY", ...
	StreamID uint32
	// Length is the frame's payload length (for DATA, the bytes that count
	// against flow control, padding included).
	Length int
	// Increment is a WINDOW_UPDATE's window size increment.
	Increment uint32
	// EndStream is the END_STREAM flag of DATA and HEADERS frames; Ack the
	// ACK flag of SETTINGS and PING frames.
	EndStream, Ack bool
}
