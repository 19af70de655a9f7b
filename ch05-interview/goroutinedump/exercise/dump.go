// Package exercise is your copy of the goroutinedump drill: read a
// goroutine dump (Go's jstack), find where the goroutines are stuck, and
// fix the deadlock and the leak it points at. README.md walks you through
// it, step by step; package incident is the service that hung.
package exercise

import (
	"io"

	"github.com/grpclabs/labs/ch05-interview/goroutinedump/dump"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Goroutine, Frame and Group are the dump's types (see package dump).
type (
	Goroutine = dump.Goroutine
	Frame     = dump.Frame
	Group     = dump.Group
)

// ParseDump reads a goroutine dump: the text of
// /debug/pprof/goroutine?debug=2, of runtime.Stack(buf, true), or what a Go
// process prints on SIGQUIT (with its preamble, register dump and extra
// fields such as gp=, fp=, sp=, pc=, "goroutine running on other
// thread; stack unavailable" for a goroutine caught running, and the
// runtime's "runtime: g N: unexpected return pc" note and hex dump where
// it gave up unwinding a stack). Lines outside goroutine blocks are
// skipped; a goroutine block that does not follow the format is an error
// naming the line, never a panic.
//
// Step 1.
func ParseDump(r io.Reader) ([]Goroutine, error) {
	return nil, labkit.TODO("ParseDump")
}
