package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-records", "300"}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		`server saw certificate "dc1-replicator" and token subject "dc1-replicator"`,
		"300 records on the wire",
		"explain: untrusted CA:", "explain: name mismatch:", "explain: client certificate required:",
		"explain: TLS/plaintext mismatch:", "explain: token needs TLS:",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-impl=mine"}, {"-records=0"}, {"extra"}, {"-nope"}} {
		var ue *usageError
		if err := run(t.Context(), args, &bytes.Buffer{}); !errors.As(err, &ue) {
			t.Errorf("run(%q) = %v; want a usage error (exit 2)", args, err)
		}
	}
}

func TestExerciseSaysWhatIsMissing(t *testing.T) {
	err := run(t.Context(), []string{"-impl=exercise"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "TODO") {
		t.Errorf("run(-impl=exercise) on the untouched exercise = %v; want an error naming the TODO", err)
	}
}
