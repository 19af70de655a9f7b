package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
	"github.com/grpclabs/labs/scripts/labkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pricefanout runs the demo inside a synctest bubble over in-memory pipes:
// the backends' delays, the deadline and the hedge run on the fake clock,
// so the times printed are exact however busy the machine.
func pricefanout(t *testing.T, args ...string) (stdout string, err error) {
	t.Helper()
	labkit.Bubble(t, func(t *testing.T) {
		stdout, _, err = demotest.Run(demo.WithMemNet(t.Context()), run, "", args...)
	})
	return stdout, err
}

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    []string
		failure string // "" when the policy gives an answer
	}{
		{nil, []string{"gather over 3 backends (impl=solution)", "0: backend-0 100 cents", "1: DeadlineExceeded", "2: backend-2 300 cents", "gather returned after 200ms"}, ""},
		{[]string{"-delays=0s,1h,0s", "-fail=2", "-timeout=50ms"}, []string{"0: backend-0 100 cents", "1: DeadlineExceeded", "2: Unavailable", "gather returned after 50ms"}, ""},
		{[]string{"-delays=1h,1h", "-timeout=50ms"}, []string{"0: DeadlineExceeded", "1: DeadlineExceeded"}, "all 2 backends failed"},
		{[]string{"-mode=failfast", "-delays=0s,1h", "-fail=0"}, []string{"failfast: backend 0", "Unavailable", "(after 0s)"}, "Unavailable"},
		{[]string{"-mode=failfast", "-delays=10ms,30ms"}, []string{"0: backend-0 100 cents", "1: backend-1 200 cents", "failfast returned after 30ms"}, ""},
		{[]string{"-mode=hedged", "-delays=1h,0s", "-hedge=1ms", "-timeout=10s"}, []string{"hedged: backend-1 answered 200 cents after 1ms"}, ""},
		{[]string{"-mode=hedged", "-delays=1h,1h", "-hedge=1ms", "-timeout=100ms"}, []string{"hedged: ", "(after 100ms)"}, "DeadlineExceeded"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, err := pricefanout(t, tc.args...)
			switch {
			case tc.failure == "" && err != nil:
				t.Fatalf("run(%q): %v\n%s", tc.args, err, out)
			case tc.failure != "" && (err == nil || !strings.Contains(err.Error(), tc.failure)):
				t.Fatalf("run(%q) = %v, want an error saying %q (exit 1)\n%s", tc.args, err, tc.failure, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("run(%q) printed:\n%s\nwant it to contain %q", tc.args, out, w)
				}
			}
		})
	}
}

// TestExercise: -impl=exercise runs the learner's code in whatever state it
// is in; the lab's suite judges it, this only checks the demo reports it.
func TestExercise(t *testing.T) {
	for _, mode := range []string{"gather", "failfast", "hedged"} {
		out, err := pricefanout(t, "-impl=exercise", "-mode="+mode, "-delays=0s,0s")
		if !strings.Contains(out, "(impl=exercise)") {
			t.Errorf("-impl=exercise -mode=%s printed:\n%s\nwant the banner to say impl=exercise", mode, out)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("-impl=exercise -mode=%s: %q, want a one-line error", mode, err)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, bad := range [][]string{{"-nope"}, {"-impl=mine"}, {"-delays=fast"}, {"-mode=hedged", "-delays=1s"}, {"-fail=9"}, {"-fail=-2"}, {"-mode=random"}, {"-timeout=0s"}, {"extra"}} {
		_, _, err := demotest.Run(context.Background(), run, "", bad...)
		var ue *demo.UsageError
		if !errors.As(err, &ue) || strings.Contains(err.Error(), "\n") {
			t.Errorf("run(%q) = %v, want a one-line usage error (exit 2)", bad, err)
		}
	}
}
