package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch04-governance/etcdtest"
	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	"github.com/grpclabs/labs/ch04-governance/tracetree"
	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
	"github.com/grpclabs/labs/scripts/labkit"
)

func TestMain(m *testing.M) { etcdtest.VerifyTestMain(m) }

// waitFor waits until the live lines (stderr, with -json) match re.
func waitFor(t *testing.T, p *demotest.Program, re string) {
	t.Helper()
	etcdtest.Eventually(t, etcdtest.Wait, func() error {
		if !regexp.MustCompile(re).MatchString(p.Stderr.String()) {
			return fmt.Errorf("no line matches %q yet:\n%s", re, p.Stderr)
		}
		return nil
	})
}

// scrape returns the value of the series whose line starts with series.
func scrape(t *testing.T, url, series string) (float64, bool) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for line := range strings.SplitSeq(string(body), "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
			return v, err == nil
		}
	}
	return 0, false
}

// TestScenario drives the chapter's scenario through govern, on real
// etcd and real time, and checks its outcome: b2 is killed and leaves the
// spread (and, a lease later, the resolver's list); b3 fails everything
// and its breaker opens; etcd goes away for a second and no call is lost;
// the spans reach an OTLP receiver as traces from the client into the
// backends, each with its own service.name.
func TestScenario(t *testing.T) {
	var got tracetree.Collected
	recv := tracetree.NewReceiver(time.Hour, time.Hour, got.Add)
	srv := labkit.Serve(t, labkit.Loopback, func(g *grpc.Server) { coltracepb.RegisterTraceServiceServer(g, recv) }, labkit.Options{})
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+srv.Addr)
	t.Setenv("OTEL_EXPORTER_OTLP_INSECURE", "true")

	// The demo's 30 s scenario in seconds. The lease (3 s) outlives the
	// outage (1 s) with room for a busy machine; -duration only bounds a
	// broken run: the test stops it once it has seen everything.
	p := demotest.Start(t, run, "-json", "-duration", "2m", "-tick", "500ms", "-ttl", "3s", "-limit", "0", "-trace-ratio", "0.1",
		"-kill", "b2@1s", "-fail", "b3@1s", "-etcd-down", "2500ms..3500ms")
	metrics := "http://" + p.Addr + "/metrics"
	waitFor(t, p, `breaker greeter/b3: closed → open`)
	if v, ok := scrape(t, metrics, `grpc_client_circuit_breaker_transitions_total{breaker="greeter/b3",from="closed",service="client",to="open"}`); !ok || v < 1 {
		t.Errorf("/metrics: b3's breaker opened, but its transitions counter says %v (found %v)", v, ok)
	}
	if v, ok := scrape(t, metrics, `grpc_server_handled_total{grpc_code="OK",grpc_method="SayHello",grpc_service="greeter.v1.Greeter",grpc_type="unary",service="greeter-b1"}`); !ok || v < 1 {
		t.Errorf("/metrics: b1's server counted %v calls (found %v)", v, ok)
	}
	waitFor(t, p, `b2 left the resolver's list`)
	waitFor(t, p, `etcd reachable again(.*\n){3}`) // and calls go on: ticks after it
	if err := p.Stop(t); err != nil {
		t.Fatalf("govern: %v\n%s", err, p.Stderr)
	}
	if strings.Contains(p.Stderr.String(), "\x1b[") {
		t.Errorf("the live lines went to a buffer, not a terminal, yet carry escape codes")
	}
	var sum Summary
	if err := json.Unmarshal([]byte(p.Stdout.String()), &sum); err != nil {
		t.Fatalf("-json printed %q: %v", p.Stdout, err)
	}
	at := func(kind, id string) time.Duration {
		for _, e := range sum.Events {
			if e.Kind == kind && e.Backend == id {
				return time.Duration(e.AtMS) * time.Millisecond
			}
		}
		t.Fatalf("no %s event for %q in %+v", kind, id, sum.Events)
		return 0
	}

	// b2 is killed: after the kill (and one tick for calls in flight) it
	// answers nothing, while b1 goes on.
	kill := at("kill", "b2")
	before, after := 0, 0
	from := time.Duration(0) // each tick counts the calls since the one before
	for _, tk := range sum.Ticks {
		to := time.Duration(tk.AtMS) * time.Millisecond
		switch {
		case to <= kill && tk.OKByBackend["b2"] > 0:
			before++
		case from >= kill+500*time.Millisecond:
			after++
			if tk.OKByBackend["b2"] != 0 || (tk.Calls > 0 && tk.OKByBackend["b1"] == 0) {
				t.Errorf("tick %v..%v, after the kill at %v: b2 answered %d calls, b1 %d; want b2 none, b1 some", from, to, kill, tk.OKByBackend["b2"], tk.OKByBackend["b1"])
			}
		}
		from = to
	}
	// Its key stays until the lease runs out: renewed at most a third of
	// the 3 s TTL before the kill, it expires 2 s or more after it. (A
	// backend that deregistered would leave at once.)
	if b2, left := sum.Backends["b2"], at("unlisted", "b2"); b2.State != "killed" || b2.Listed || left-kill < time.Second {
		t.Errorf("b2 at the end: %+v, unlisted %v after the kill; want killed and unlisted once its lease expired, not at once", b2, left-kill)
	}

	// b3 fails everything: its breaker opens, and from then on it gets
	// only the half-open trials, at most a few per open period.
	opened := at("breaker", "b3")
	trials := 0
	from = 0
	for _, tk := range sum.Ticks {
		if from >= opened {
			trials += tk.AttemptsByBackend["b3"]
		}
		from = time.Duration(tk.AtMS) * time.Millisecond
	}
	budget := policy.DefaultHalfOpenCalls * (int((from-opened)/policy.DefaultOpenTimeout) + 1)
	b3 := sum.Backends["b3"]
	if b3.BreakerOpened < 1 || b3.Breaker == "closed" || b3.Failed < policy.DefaultWindow/2 || trials > budget {
		t.Errorf("b3 at the end: %+v, %d attempts after its breaker opened (at most %d trials); want its breaker open or half-open, never closed again", b3, trials, budget)
	}

	// etcd away for a second: every call made meanwhile succeeded, and the
	// live backends stayed listed (their leases survived).
	if len(sum.EtcdDown) != 1 {
		t.Fatalf("etcd outages: %+v, want one", sum.EtcdDown)
	}
	if o := sum.EtcdDown[0]; o.Calls == 0 || o.OK != o.Calls {
		t.Errorf("while etcd was down: %+v; want calls, all of them ok", o)
	}
	for _, id := range []string{"b1", "b3"} {
		if !sum.Backends[id].Listed || slices.ContainsFunc(sum.Events, func(e event) bool { return e.Kind == "unlisted" && e.Backend == id }) {
			t.Errorf("%s left the resolver's list; a live backend must stay through a short outage: %+v", id, sum.Events)
		}
	}
	if sum.Impl != "solution" || sum.Calls == 0 || sum.OK == 0 {
		t.Errorf("summary %+v", sum)
	}

	// Traces: the providers flushed before run returned.
	recv.Flush()
	traces := got.Traces()
	crossing := 0
	for _, tr := range traces {
		var b strings.Builder
		tr.Render(&b)
		if !tr.Complete() {
			t.Errorf("an incomplete trace (a span whose parent never arrived):\n%s", b.String())
			continue
		}
		root := tr.Roots[0]
		if root.Name == "grpc.health.v1.Health/Watch" && strings.HasPrefix(root.Service, "greeter-b") {
			continue // the client's health checking: a stream the server traces, the client does not
		}
		if root.Service != "client" || (root.Name != "call greeter" && root.Name != "warm up") || len(tr.Roots) != 1 {
			t.Errorf("a trace that does not start at the client's call (or its warm-up):\n%s", b.String())
			continue
		}
		// call greeter → the client's attempt(s) → a backend's server span.
		for _, attempt := range root.Children {
			for _, server := range attempt.Children {
				if attempt.Service == "client" && strings.HasPrefix(server.Service, "greeter-b") && server.Name == "greeter.v1.Greeter/SayHello" {
					crossing++
				}
			}
		}
	}
	if crossing == 0 {
		t.Errorf("%d traces, none from the client's call into a backend (services client and greeter-bN)", len(traces))
	}
}

// TestPlain: into a buffer the live view is plain lines, the summary is
// for people, and a backend's rate limit refuses what exceeds it (a
// refusal, not a failure: the breaker stays closed).
func TestPlain(t *testing.T) {
	stdout, stderr, err := demotest.Run(t.Context(), run, "", "-duration", "1500ms", "-tick", "500ms", "-backends", "solo=1",
		"-rate", "60", "-limit", "20", "-burst", "5", "-metrics-addr", "")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if strings.Contains(stdout, "\x1b[") {
		t.Errorf("escape codes in output to a buffer:\n%q", stdout)
	}
	m := regexp.MustCompile(`client: (\d+) calls: (\d+) ok, (\d+) failed, (\d+) limited`).FindStringSubmatch(stdout)
	if m == nil || !strings.Contains(stdout, "govern impl=solution") || !regexp.MustCompile(`(?m)^\s+\d\S*s  calls \d+: \d+ ok`).MatchString(stdout) {
		t.Fatalf("output lacks the header, the plain tick lines or the summary:\n%s", stdout)
	}
	calls, _ := strconv.Atoi(m[1])
	failed, _ := strconv.Atoi(m[3])
	limited, _ := strconv.Atoi(m[4])
	if calls < 30 || failed != 0 || limited == 0 {
		t.Errorf("%d calls, %d failed, %d limited; want calls, none failed, some refused by the limit of 20/s", calls, failed, limited)
	}
	if !regexp.MustCompile(`(?m)^solo\s.*closed \(0\)$`).MatchString(stdout) {
		t.Errorf("the limiter's refusals opened solo's breaker:\n%s", stdout)
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "not defined"},
		{[]string{"extra"}, "unexpected argument"},
		{[]string{"-impl", "mine"}, "-impl"},
		{[]string{"-policy", "nope"}, `-policy "nope"`},
		{[]string{"-kill", "b9@1s"}, `no backend "b9"`},
		{[]string{"-kill", "b2"}, "want ID@T"},
		{[]string{"-kill", "b2@1s..2s"}, "want one time"},
		{[]string{"-kill", "b2@1s", "-kill", "b2@2s"}, "killed twice"},
		{[]string{"-fail", "b3@soon"}, "not a time"},
		{[]string{"-slow", "b1@5s..2s"}, "TO after FROM"},
		{[]string{"-slow", "b1@1s..5s", "-slow", "b1@4s"}, "overlaps"},
		{[]string{"-etcd-down", "20s"}, "FROM..TO"},
		{[]string{"-etcd-down", "1s..3s", "-etcd-down", "2s..4s"}, "overlaps"},
		{[]string{"-duration", "10s", "-fail", "b3@15s"}, "the run ends at 10s"},
		{[]string{"-backends", "a=1,a=2"}, "named twice"},
		{[]string{"-backends", "a/b=1"}, "a/b"},
		{[]string{"-backends", "a=x"}, "not a number"},
		{[]string{"-ttl", "1500ms"}, "whole seconds"},
		{[]string{"-rate", "0"}, "-rate"},
		{[]string{"-fail-rate", "2"}, "shares between 0 and 1"},
	} {
		_, _, err := demotest.Run(t.Context(), run, "", tc.args...)
		if code := demo.ExitCode("govern", err, io.Discard); code != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("govern %q: %v (exit %d); want a usage error (exit 2) saying %q", tc.args, err, code, tc.want)
		}
	}
	_, stderr, err := demotest.Run(t.Context(), run, "", "-h")
	if code := demo.ExitCode("govern", err, io.Discard); code != 0 || !strings.Contains(stderr, "-etcd-down") || !strings.Contains(stderr, "-kill") {
		t.Errorf("-h: exit %d, %q", code, stderr)
	}
	// The learner's code: the first TODO, before anything starts.
	if _, _, err := demotest.Run(t.Context(), run, "", "-impl", "exercise"); err == nil || !strings.Contains(err.Error(), "TODO: implement") {
		t.Errorf("-impl exercise: %v, want the exercise's TODO", err)
	}
	if _, _, err := demotest.Run(t.Context(), run, "", "-metrics-addr", "256.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "cannot listen") {
		t.Errorf("a bad -metrics-addr: %v, want \"cannot listen\"", err)
	}
}

// TestTerminal: on a terminal the table is drawn over the previous one,
// under the events, and the breaker states are coloured.
func TestTerminal(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	var b strings.Builder
	s := &screen{w: &b, tty: true, header: "govern", duration: 30 * time.Second}
	tk := tick{At: time.Second, Client: counts{Calls: 10, OK: 10}, Etcd: "up", Backends: []row{
		{ID: "b1", Weight: 3, State: "up", Listed: true, Tick: counts{Calls: 10, OK: 10}, Breaker: policy.Closed},
		{ID: "b3", Weight: 1, State: "failing", Listed: true, Breaker: policy.Open},
	}}
	s.show(tk, nil)
	first := b.String()
	s.show(tk, []event{{At: 1500 * time.Millisecond, Text: "b3 failing"}})
	second := b.String()[len(first):]
	lines := strings.Count(first, "\n")
	if !strings.HasPrefix(second, fmt.Sprintf("\x1b[%dA\r\x1b[J", lines)+"   1.5s  b3 failing\n") {
		t.Errorf("the second tick does not move up %d lines and print the event above the table:\n%q", lines, second)
	}
	if !strings.Contains(first, "1s of 30s") || !strings.Contains(first, ansiRed+"open"+ansiOff) || !regexp.MustCompile(`b1\s+3\s+yes\s+up\s+10`).MatchString(first) {
		t.Errorf("table:\n%s", first)
	}
}
