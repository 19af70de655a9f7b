package exercise

import (
	"net"

	"github.com/grpclabs/labs/ch05-interview/grpcinternals/observe"
)

// Write is one Write on a tapped connection.
type Write = observe.Write

// Tapped is a net.Conn that records every Write, with the id and the stack
// (function names, innermost first) of the goroutine that made it, and
// every byte read. Safe for concurrent use.
type Tapped struct {
	net.Conn
	// Step 2: your fields.
}

// Tap wraps c.
func Tap(c net.Conn) *Tapped { return &Tapped{Conn: c} }

// Write records the calling goroutine (runtime.Stack) and the bytes, then
// writes.
//
// Step 2. Until you write it, it records nothing.
func (t *Tapped) Write(p []byte) (int, error) {
	return t.Conn.Write(p)
}

// Read reads and records what was read.
//
// Step 2.
func (t *Tapped) Read(p []byte) (int, error) {
	return t.Conn.Read(p)
}

// Writes returns the writes so far.
func (t *Tapped) Writes() []Write { return nil }

// Written returns every byte written so far, in order.
func (t *Tapped) Written() []byte { return nil }

// ReadBytes returns every byte read so far.
func (t *Tapped) ReadBytes() []byte { return nil }
