package main

import (
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The demo's main logic, in process, over real loopback TCP: only outcomes
// that do not depend on the real clock's exact timing are checked.
func TestRun(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"-timeout=10s", "-db=0s"}, []string{"call succeeded", "hop C: budget", "request req-demo, rows from C", "audit: hop A, request req-demo, ended OK"}},
		{[]string{"-timeout=150ms", "-db=0s"}, []string{"DeadlineExceeded", "hop B: budget"}},
		{[]string{"-timeout=10s", "-fail=B", "-db=0s"}, []string{"Unavailable", "db down", "ended Unavailable"}},
		{[]string{"-timeout=0", "-slow=C", "-cancel-after=20ms"}, []string{"Canceled", "hop C: query stopped", "audit: hop C, request req-demo, ended Canceled"}},
	} {
		var out strings.Builder
		if err := run(tc.args, &out); err != nil {
			t.Fatalf("run(%q): %v", tc.args, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("run(%q) printed:\n%s\nwant it to contain %q", tc.args, out.String(), w)
			}
		}
	}
	if err := run([]string{"-impl=exercise"}, &strings.Builder{}); err == nil || !strings.Contains(err.Error(), "TODO") {
		t.Errorf("-impl=exercise: err = %v, want the TODO reported", err)
	}
	for _, bad := range [][]string{{"-nope"}, {"-impl=mine"}, {"-slow=D"}, {"-fail=x"}, {"-timeout=soon"}, {"extra"}} {
		if err := run(bad, &strings.Builder{}); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("run(%q) = %v, want a one-line error", bad, err)
		}
	}
}
