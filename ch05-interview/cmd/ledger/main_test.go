package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The fixed ledger gets through the replay that hangs the incident. (The
// incident itself is replayed on a child process by the drill's suite: its
// deadlocked goroutines could never be cleaned up in this one.)
func TestReplaySolution(t *testing.T) {
	p := demotest.Start(t, run, "-impl=solution", "-addr=127.0.0.1:0", "-debug-addr=127.0.0.1:0")
	deadline := time.Now().Add(demotest.Guard)
	for !strings.Contains(p.Stdout.String(), "replay: done") {
		if time.Now().After(deadline) {
			t.Fatalf("the replay did not finish:\n%s", p.Stdout)
		}
		time.Sleep(10 * time.Millisecond) // polling the program's output
	}
	out := p.Stdout.String()
	for _, want := range []string{"impl=solution", "watch bob #3, then hang up: ok", "transfer 1000 from alice to bob: rpc error: code = FailedPrecondition", "transfer 2 from alice to carol: ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if err := p.Stop(t); err != nil {
		t.Errorf("stop: %v", err)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"-impl=mine"}, {"-grace=0s"}, {"-replay=maybe"}, {"extra"}} {
		_, _, err := demotest.Run(t.Context(), run, "", args...)
		if code := demo.ExitCode("ledger", err, io.Discard); code != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, code, err)
		}
	}
}
