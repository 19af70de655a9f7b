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

func TestDemo(t *testing.T) {
	out, _, err := demotest.Run(t.Context(), run, "", "-records", "300")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	for _, want := range []string{
		"securedemo (impl=solution)",
		`server saw certificate "dc1-replicator" and token subject "dc1-replicator"`,
		"300 records on the wire",
		"explain: untrusted CA:", "explain: name mismatch:", "explain: client certificate required:",
		"explain: TLS/plaintext mismatch:", "explain: token needs TLS:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-impl=mine"}, {"-records=0"}, {"extra"}, {"-nope"}} {
		var ue *demo.UsageError
		if _, _, err := demotest.Run(t.Context(), run, "", args...); !errors.As(err, &ue) {
			t.Errorf("run(%q) = %v; want a usage error (exit 2)", args, err)
		}
	}
}

// TestExercise: the learner's secure lab code in whatever state it is in:
// the banner says so, and a failure is one line that names the step.
func TestExercise(t *testing.T) {
	out, _, err := demotest.Run(t.Context(), run, "", "-impl=exercise")
	if !strings.Contains(out, "(impl=exercise)") {
		t.Errorf("the banner does not say impl=exercise:\n%s", out)
	}
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Errorf("run(-impl=exercise) = %q; want a one-line error", err)
	}
}
