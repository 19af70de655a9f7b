package main

import (
	"bytes"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-n", "20", "-latency", "20ms"}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	// Call counts depend on timing in a demo, so only the shape is checked
	// here; the lab's suite proves the singleflight property.
	if !strings.Contains(out.String(), "cache + singleflight  backend calls:") {
		t.Fatalf("output lacks the singleflight line:\n%s", out.String())
	}
}

func TestBadInput(t *testing.T) {
	for _, args := range [][]string{{"-impl=nope"}, {"-n", "0"}, {"-bogus"}, {"extra"}} {
		if err := run(t.Context(), args, &bytes.Buffer{}); err == nil {
			t.Errorf("run(%q) succeeded, want an error", args)
		}
	}
	err := run(t.Context(), []string{"-impl=exercise", "-n", "2", "-latency", "0s"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "TODO") {
		t.Errorf("run -impl=exercise: %v, want the exercise's TODO", err)
	}
}
