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

// herd runs the demo inside a synctest bubble over an in-memory pipe: on
// the fake clock every Get has started before the first Fetch answers, so
// the call counts are exact.
func herd(t *testing.T, args ...string) (stdout string, err error) {
	t.Helper()
	labkit.Bubble(t, func(t *testing.T) {
		stdout, _, err = demotest.Run(demo.WithMemNet(t.Context()), run, "", args...)
	})
	return stdout, err
}

func TestRun(t *testing.T) {
	out, err := herd(t, "-n", "20", "-latency", "20ms")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	for _, want := range []string{
		"20 concurrent Gets of one cold key, backend latency 20ms (impl=solution)",
		"plain cache           backend calls:   20   took 20ms",
		"cache + singleflight  backend calls:    1   took 20ms",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestExercise: the learner's code runs in whatever state it is in; the
// lab's suite judges it, this only checks the demo reports it.
func TestExercise(t *testing.T) {
	out, err := herd(t, "-impl=exercise", "-n", "2", "-latency", "0s")
	if !strings.Contains(out, "(impl=exercise)") {
		t.Errorf("-impl=exercise printed:\n%s\nwant the banner to say impl=exercise", out)
	}
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Errorf("-impl=exercise: %q, want a one-line error", err)
	}
}

func TestBadInput(t *testing.T) {
	for _, args := range [][]string{{"-impl=nope"}, {"-n", "0"}, {"-latency", "-1s"}, {"-bogus"}, {"extra"}} {
		_, _, err := demotest.Run(context.Background(), run, "", args...)
		var ue *demo.UsageError
		if !errors.As(err, &ue) {
			t.Errorf("run(%q) = %v, want a usage error (exit 2)", args, err)
		}
	}
}
