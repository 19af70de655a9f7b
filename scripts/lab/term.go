package main

import (
	"fmt"
	"io"
	"os"
)

// Out writes to the learner, in colour only when that is welcome: on a
// terminal, without NO_COLOR set and without --no-color.
type Out struct {
	W     io.Writer
	Color bool
	Lang  string // langEN or langZH: the language of the runner's own messages
}

// newOut decides about colour from the environment; --no-color can still
// turn it off.
func newOut(w io.Writer) *Out {
	return &Out{W: w, Color: os.Getenv("NO_COLOR") == "" && isTerminal(w), Lang: detectLang(os.Getenv)}
}

// isTerminal is true for a character device: a console, not a pipe or file.
// It needs no syscalls beyond Stat, so it works the same on every OS.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

const (
	green  = "32"
	red    = "31"
	yellow = "33"
	cyan   = "36"
	bold   = "1"
	dim    = "2"
)

// paint wraps s in an ANSI colour when colour is on.
func (o *Out) paint(code, s string) string {
	if !o.Color || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (o *Out) Printf(format string, args ...any) { fmt.Fprintf(o.W, format, args...) }
func (o *Out) Println(args ...any)               { fmt.Fprintln(o.W, args...) }
