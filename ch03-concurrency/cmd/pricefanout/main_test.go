package main

import (
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The demo's main logic, in process: each mode prints what it should, and
// bad flags are one clear error.
func TestRun(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"-delays=0s,1h,0s", "-fail=2", "-timeout=50ms"}, []string{"0: backend-0 100 cents", "1: DeadlineExceeded", "2: Unavailable", "gather returned"}},
		{[]string{"-mode=failfast", "-delays=0s,1h", "-fail=0"}, []string{"failfast: backend 0", "Unavailable"}},
		{[]string{"-mode=hedged", "-delays=1h,0s", "-hedge=1ms", "-timeout=10s"}, []string{"hedged: backend-1 answered 200 cents"}},
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
	if err := run([]string{"-impl=exercise", "-mode=failfast", "-delays=0s"}, &strings.Builder{}); err != nil && !strings.Contains(err.Error(), "TODO") {
		t.Errorf("the exercise's TODO must be reported as such, got %v", err)
	}
	for _, bad := range [][]string{{"-nope"}, {"-impl=mine"}, {"-delays=fast"}, {"-mode=hedged", "-delays=1s"}, {"-fail=9"}, {"-mode=random"}, {"extra"}} {
		if err := run(bad, &strings.Builder{}); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("run(%q) = %v, want a one-line error", bad, err)
		}
	}
}
