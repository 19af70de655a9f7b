package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Off a terminal each phase is one plain line, details are left out, and
// nothing at all is printed when the work ends before the delay.
func TestStatusPlain(t *testing.T) {
	var buf bytes.Buffer
	a := &app{errOut: &Out{W: &buf}}
	s := a.status("building ch01")
	s.Detail("TestX")
	s.Phase("testing userservice")
	s.Phase("testing userservice")
	s.Stop()
	s.Stop()
	if got, want := buf.String(), "lab: building ch01\nlab: testing userservice\n"; got != want {
		t.Errorf("status printed %q, want %q", got, want)
	}

	buf.Reset()
	a.statusDelay = time.Hour
	s = a.status("quick")
	s.Stop()
	if buf.Len() != 0 {
		t.Errorf("a quick job printed %q", buf.String())
	}
}

// On a terminal the line is redrawn in place, never longer than fits in
// 80 columns, and erased at the end.
func TestStatusTerminal(t *testing.T) {
	var buf bytes.Buffer
	s := &Status{w: &buf, tty: true, start: time.Now(), phase: strings.Repeat("x", 100), stop: make(chan struct{}), done: make(chan struct{})}
	close(s.done)
	s.Detail("TestX")
	s.render(0)
	line := strings.TrimPrefix(buf.String(), "\r\x1b[2K")
	if line == buf.String() || utf8.RuneCountInString(line) > 80 || !strings.Contains(line, "…") {
		t.Errorf("terminal line %q", buf.String())
	}
	buf.Reset()
	s.Stop()
	if buf.String() != "\r\x1b[2K" {
		t.Errorf("Stop printed %q, want the line erased", buf.String())
	}
}
