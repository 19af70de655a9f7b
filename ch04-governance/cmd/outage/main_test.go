package main

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/test/bufconn"

	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
	"github.com/grpclabs/labs/scripts/labkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// inBubble runs the program over bufconn in a synctest bubble: the clock
// is fake, every call takes no time, and the output is exact.
func inBubble(t *testing.T, args ...string) (string, error) {
	t.Helper()
	saved := network
	defer func() { network = saved }()
	network = func() (net.Listener, string, []grpc.DialOption, error) {
		l := bufconn.Listen(1 << 20)
		return l, "passthrough:///bufnet", []grpc.DialOption{grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return l.DialContext(ctx) })}, nil
	}
	var out string
	var err error
	labkit.Bubble(t, func(t *testing.T) {
		out, _, err = demotest.Run(t.Context(), run, "", args...)
	})
	return out, err
}

func TestOutage(t *testing.T) {
	out, err := inBubble(t)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"impl=solution",
		"summary: 100 calls: 56 ok, 6 failed at the backend, 38 failed fast (no network), 0 rate-limited, 0 other; the backend saw 65 attempts",
		"breaker: closed > open > half-open > open > half-open > closed",
		"    1.5s     10     0       5          5        0         8  open",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output:\n%s\nwant it to contain %q", out, want)
		}
	}
}

func TestLimiter(t *testing.T) {
	out, err := inBubble(t, "-dark=0s..0s", "-qps=80", "-rate=50", "-burst=10", "-duration=2s")
	if err != nil {
		t.Fatal(err)
	}
	// A burst of 10, then 50/s: by the last call (at 1.9875s) 10 + 99.375 tokens.
	for _, want := range []string{"summary: 160 calls: 109 ok, 0 failed at the backend, 0 failed fast (no network), 51 rate-limited", "breaker: closed\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output:\n%s\nwant it to contain %q (a limited call is not a backend failure: the breaker stays closed)", out, want)
		}
	}
}

func TestLoopback(t *testing.T) {
	// Real TCP and the real clock: only the outcome, with a generous deadline.
	out, _, err := demotest.Run(t.Context(), run, "", "-dark=0s..0s", "-duration=500ms", "-timeout=30s")
	if err != nil || !strings.Contains(out, "summary: 10 calls: 10 ok") {
		t.Fatalf("err %v, output:\n%s", err, out)
	}
}

func TestUsage(t *testing.T) {
	if _, _, err := demotest.Run(t.Context(), run, "", "-impl=exercise"); err == nil || !strings.Contains(err.Error(), "TODO: implement") {
		t.Errorf("-impl=exercise: %v, want the exercise's TODO", err)
	}
	for _, bad := range [][]string{{"-nope"}, {"-impl=mine"}, {"-dark=3s..1s"}, {"-dark=soon"}, {"-qps=0"}, {"extra"}} {
		_, _, err := demotest.Run(t.Context(), run, "", bad...)
		if code := exitCode(err); code != 2 {
			t.Errorf("%q: err %v (exit %d), want a usage error (exit 2)", bad, err, code)
		}
	}
}

func exitCode(err error) int { return demo.ExitCode("outage", err, io.Discard) }
