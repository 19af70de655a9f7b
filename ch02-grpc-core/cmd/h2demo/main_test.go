package main

import (
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBadUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"bogus"}, {"-impl", "mine", "unary"}, {"-n", "0", "multiplex"}, {"record"}, {"unary", "extra"}, {"-nope"}} {
		var ue *demo.UsageError
		if _, _, err := demotest.Run(t.Context(), run, "", args...); !errors.As(err, &ue) || strings.Contains(err.Error(), "\n") {
			t.Errorf("h2demo %q: %v; want a one-line usage error (exit 2)", args, err)
		}
	}
}

func TestDemos(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"unary"}, []string{"decoded by impl=solution", `{1: "Grace Hopper", 2: 85}`, "graceful shutdown, phase 1"}},
		{[]string{"-n", "3", "multiplex"}, []string{"stream 5", "3 calls, 1 TCP connection(s)"}},
		{[]string{"-n", "4", "http1"}, []string{"HTTP/1.1 (net/http):   4 TCP connections", "HTTP/2 (gRPC):         1 TCP connection"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			out, _, err := demotest.Run(t.Context(), run, "", c.args...)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestServe(t *testing.T) {
	p := demotest.Start(t, run, "-addr", "127.0.0.1:0", "serve")
	if err := p.Stop(t); err != nil {
		t.Fatalf("serve after the signal: %v", err)
	}
}

// TestExercise: the learner's decoder in whatever state it is in: the
// banner says so, and the demo's own calls still work (the dump is a copy).
func TestExercise(t *testing.T) {
	out, _, err := demotest.Run(t.Context(), run, "", "-impl=exercise", "unary")
	if err != nil || !strings.Contains(out, "decoded by impl=exercise") {
		t.Errorf("-impl=exercise unary: %v\n%s", err, out)
	}
}
