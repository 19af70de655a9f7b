package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServes(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	for _, cache := range []string{"unbounded", "bounded"} {
		p := demotest.Start(t, run, "-addr=127.0.0.1:0", "-cache="+cache, "-rate=1000", "-every=50ms")
		if !strings.Contains(p.Stdout.String(), "impl=solution, cache="+cache) {
			t.Errorf("banner does not name the impl and cache:\n%s", p.Stdout)
		}
		if code, body := get(t, "http://"+p.Addr+"/profile?user=7"); code != 200 || !strings.Contains(body, "user 7") {
			t.Errorf("GET /profile?user=7: %d %.60q", code, body)
		}
		if code, _ := get(t, "http://"+p.Addr+"/profile?user=x"); code != 400 {
			t.Errorf("GET /profile?user=x: %d, want 400", code)
		}
		if code, body := get(t, "http://"+p.Addr+"/debug/pprof/heap?debug=1"); code != 200 || !strings.HasPrefix(body, "heap profile: ") {
			t.Errorf("GET /debug/pprof/heap?debug=1: %d %.40q", code, body)
		}
		if err := p.Stop(t); err != nil {
			t.Errorf("stop: %v", err)
		}
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"-cache=lru"}, {"-rate=-1"}, {"-every=0s"}, {"-impl=mine"}, {"extra"}} {
		_, _, err := demotest.Run(t.Context(), run, "", args...)
		if code := demo.ExitCode("gcpressure", err, io.Discard); code != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, code, err)
		}
	}
}

func TestExercise(t *testing.T) {
	// Solved or not, a context that already ended makes it return; unsolved,
	// it says that ReadGC is still a TODO.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := demotest.Run(ctx, run, "", "-addr=127.0.0.1:0", "-impl=exercise", "-rate=0")
	if err != nil && !strings.Contains(err.Error(), "impl=exercise") {
		t.Errorf("error %q does not say impl=exercise", err)
	}
}
