package main

import (
	"bytes"
	"testing"
	"time"
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
