package main

import (
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/richerr"
	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestOnce(t *testing.T) {
	out, _, err := demotest.Run(t.Context(), run, "", "-once", "-flaky", "2")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	for _, want := range []string{
		"(impl=solution)",
		"call 1 → Unavailable", "call 3 → served", `GET /users/ada → 200 {"email":"ada@example.com"`,
		`GET /users/nobody x-trace-id: abc123xyz → 404 {"code":"USER_NOT_FOUND"`, `"traceId":"abc123xyz"`, `GET /users/Bad_Id x-trace-id: t-42 → 400 {"code":"INVALID_USER_ID"`,
		"x-trace-id: xxxxxxxxxxxx… (2000 bytes) → 404",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The 2,000-byte trace id is not echoed: a fresh one takes its place.
	if strings.Contains(out, strings.Repeat("x", 30)) || !regexp.MustCompile(`"traceId":"[0-9a-f]{16}"`).MatchString(out) {
		t.Errorf("the long trace id should be replaced by a fresh 16-digit one:\n%s", out)
	}
}

// TestOnceExercise: the learner's code in whatever state it is in: the
// banner says so, and exit 1 comes with a reason when an answer is wrong.
func TestOnceExercise(t *testing.T) {
	out, _, err := demotest.Run(t.Context(), run, "", "-once", "-impl=exercise")
	if !strings.Contains(out, "(impl=exercise)") {
		t.Errorf("banner lacks impl=exercise:\n%s", out)
	}
	if err != nil && (strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "want")) {
		t.Errorf("-impl=exercise: %q, want one line naming the wrong answer", err)
	}
}

func TestServe(t *testing.T) {
	p := demotest.Start(t, run, "-http", "127.0.0.1:0")
	if !strings.Contains(p.Stdout.String(), "(impl=solution, HTTP gateway") {
		t.Errorf("banner %q", p.Stdout)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+p.Addr+"/users/nobody", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(richerr.TraceHeader, strings.Repeat("z", 2000))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if got := resp.Header.Get(richerr.TraceHeader); resp.StatusCode != 404 || !richerr.ValidTraceID(got) || strings.Contains(string(body), "zzzz") {
		t.Errorf("GET with a 2,000-byte trace id: %d, %s %q, body %s; want 404 and a fresh valid id", resp.StatusCode, richerr.TraceHeader, got, body)
	}
	if err := p.Stop(t); err != nil {
		t.Fatalf("after the signal: %v", err)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-impl=mine"}, {"-flaky=-1"}, {"extra"}, {"-nope"}} {
		var ue *demo.UsageError
		if _, _, err := demotest.Run(t.Context(), run, "", args...); !errors.As(err, &ue) {
			t.Errorf("run(%q) = %v; want a usage error (exit 2)", args, err)
		}
	}
}
