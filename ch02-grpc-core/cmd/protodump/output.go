package main

import (
	"bufio"
	"fmt"
	"io"
)

// output is stdout with a budget. Every format prints as it decodes, so
// memory does not grow with the output; the budget bounds the output
// itself. Past max bytes a write fails, and so does everything after it.
type output struct {
	w   *bufio.Writer
	n   int64
	max int64 // 0: no limit
	err error
}

func newOutput(w io.Writer, max int64) *output {
	return &output{w: bufio.NewWriterSize(w, 64<<10), max: max}
}

// errBudget is the output budget running out.
type errBudget struct{ max int64 }

func (e errBudget) Error() string {
	return fmt.Sprintf("the output reached -max-output=%d bytes and was cut there; raise the limit (0: none), or pick a shorter format (-format=protoc)", e.max)
}

func (o *output) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	if o.max > 0 && o.n+int64(len(p)) > o.max {
		o.err = errBudget{o.max}
		return 0, o.err
	}
	o.n += int64(len(p))
	if _, err := o.w.Write(p); err != nil {
		o.err = err
		return 0, err
	}
	return len(p), nil
}

func (o *output) WriteString(s string) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	if o.max > 0 && o.n+int64(len(s)) > o.max {
		o.err = errBudget{o.max}
		return 0, o.err
	}
	o.n += int64(len(s))
	if _, err := o.w.WriteString(s); err != nil {
		o.err = err
		return 0, err
	}
	return len(s), nil
}

// Flush writes what is buffered (up to the budget) and returns the first
// error.
func (o *output) Flush() error {
	if err := o.w.Flush(); o.err == nil {
		o.err = err
	}
	return o.err
}
