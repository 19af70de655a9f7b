package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"go.uber.org/goleak"
	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch04-governance/tracetree"
	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
	"github.com/grpclabs/labs/scripts/labkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// logs parses the program's JSON log lines.
func logs(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("a log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

// checkTraces checks each trace is one complete checkout: 7 spans in 4
// services, each span the child of the one before.
func checkTraces(t *testing.T, traces []*tracetree.Trace, want int) {
	t.Helper()
	if len(traces) != want {
		t.Fatalf("%d traces, want %d", len(traces), want)
	}
	for _, tr := range traces {
		var b strings.Builder
		tr.Render(&b)
		if !tr.Complete() || tr.Spans != 7 || strings.Join(tr.Services, ",") != "gateway,inventory,orders,shopper" || len(tr.Roots) != 1 {
			t.Errorf("trace %s: want one complete trace of 7 spans across shopper, gateway, orders, inventory:\n%s", tr.ID, b.String())
			continue
		}
		depth, n := 0, tr.Roots[0]
		for len(n.Children) == 1 {
			n, depth = n.Children[0], depth+1
		}
		if depth != 6 || n.Name != "UPDATE stock" || n.Service != "inventory" {
			t.Errorf("trace %s is not a chain of 7 ending in the database span:\n%s", tr.ID, b.String())
		}
	}
}

func TestCheckout(t *testing.T) {
	stdout, stderr, err := demotest.Run(t.Context(), run, "", "-requests=5", "-metrics-addr=")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	spans, err := tracetree.ReadJSON(strings.NewReader(stdout))
	if err != nil {
		t.Fatalf("stdout is not the stdout exporter's JSON: %v", err)
	}
	traces := tracetree.Assemble(spans)
	checkTraces(t, traces, 5)
	ids := map[string]bool{}
	for _, tr := range traces {
		ids[tr.ID] = true
	}
	inRequest, statuses := 0, map[float64]int{}
	for _, l := range logs(t, stderr) {
		if l["msg"] == "starting" || l["msg"] == "listening" {
			if _, ok := l["trace_id"]; ok {
				t.Errorf("a line logged outside any request has a trace id: %v", l)
			}
			continue
		}
		inRequest++
		if id, _ := l["trace_id"].(string); !ids[id] {
			t.Errorf("a line logged inside a request lacks the request's trace id: %v", l)
		}
		if l["msg"] == "shopper got an answer" {
			statuses[l["status"].(float64)]++
		}
	}
	if inRequest < 5*6 || statuses[200] != 4 || statuses[409] != 1 {
		t.Errorf("%d lines inside requests, statuses %v; want at least 30 lines, four 200s and one 409 (the pears)", inRequest, statuses)
	}
}

// TestOTLP: the spans reach a real OTLP/gRPC receiver (cmd/tracetree's)
// as one trace per checkout across the services, with the right parents.
func TestOTLP(t *testing.T) {
	var got tracetree.Collected
	recv := tracetree.NewReceiver(time.Hour, time.Hour, got.Add)
	srv := labkit.Serve(t, labkit.Loopback, func(g *grpc.Server) { coltracepb.RegisterTraceServiceServer(g, recv) }, labkit.Options{})
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+srv.Addr)
	t.Setenv("OTEL_EXPORTER_OTLP_INSECURE", "true")
	stdout, stderr, err := demotest.Run(t.Context(), run, "", "-requests=3", "-metrics-addr=")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if stdout != "" {
		t.Errorf("with an OTLP endpoint, spans were also written to stdout: %q", stdout[:min(len(stdout), 200)])
	}
	recv.Flush() // the program flushed its providers before it returned
	checkTraces(t, got.Traces(), 3)
}

func TestRoles(t *testing.T) {
	inv := start(t, "-role=inventory", "-metrics-addr=")
	ord := start(t, "-role=orders", "-inventory="+inv.addr(t, "inventory"), "-metrics-addr=")
	t.Setenv("OTEL_SERVICE_NAME", "front-door")
	stdout, stderr, err := demotest.Run(t.Context(), run, "", "-role=gateway", "-orders="+ord.addr(t, "orders"), "-requests=2", "-metrics-addr=")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	spans, err := tracetree.ReadJSON(strings.NewReader(stdout))
	if err != nil {
		t.Fatal(err)
	}
	services := map[string]int{}
	for _, s := range spans {
		services[s.Service]++
	}
	if services["front-door"] != 4 || services["shopper"] != 2 || services["gateway"] != 0 {
		t.Errorf("the gateway process recorded spans for %v; want front-door (OTEL_SERVICE_NAME names the one service a -role process runs) and the shopper", services)
	}
	ord.stop(t)
	inv.stop(t)
	for _, p := range []*process{inv, ord} {
		spans, err := tracetree.ReadJSON(strings.NewReader(p.stdout.String()))
		if err != nil || len(spans) != 4 {
			t.Errorf("%v: %d spans, %v; want 4 (2 checkouts, a server and a client span each)", p.args, len(spans), err)
		}
	}
}

func TestDatabaseDown(t *testing.T) {
	_, stderr, err := demotest.Run(t.Context(), run, "", "-requests=12", "-db-down", "-metrics-addr=")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var errs []string
	for _, l := range logs(t, stderr) {
		if l["msg"] == "shopper got an answer" {
			errs = append(errs, fmt.Sprint(l["status"], " ", l["error"]))
		}
	}
	if len(errs) != 12 || !strings.Contains(errs[0], "502 stock database: connection refused") || !strings.Contains(errs[11], "circuit breaker is open") {
		t.Errorf("answers: %q; want 502s from the database, then the breaker failing fast", errs)
	}
}

func TestUsage(t *testing.T) {
	if _, _, err := demotest.Run(t.Context(), run, "", "-impl=exercise", "-requests=1", "-metrics-addr="); err == nil || !strings.Contains(err.Error(), "TODO: implement") {
		t.Errorf("-impl=exercise: %v, want the exercise's TODO", err)
	}
	for _, bad := range [][]string{{"-nope"}, {"-impl=mine"}, {"-role=cache"}, {"-role=gateway"}, {"-role=orders"}, {"-ratio=2"}, {"-rate=0"}, {"x"}} {
		_, _, err := demotest.Run(t.Context(), run, "", bad...)
		if code := demo.ExitCode("checkout", err, io.Discard); code != 2 {
			t.Errorf("%q: %v (exit %d), want a usage error", bad, err, code)
		}
	}
	if _, _, err := demotest.Run(t.Context(), run, "", "-http=256.0.0.1:1", "-metrics-addr="); err == nil || !strings.Contains(err.Error(), "cannot listen") {
		t.Errorf("a bad -http address: %v, want \"cannot listen\"", err)
	}
}

// process is the program running in the background (a -serve or -role
// server), with its output.
type process struct {
	args           []string
	stdout, stderr *demotest.Buffer
	cancel         context.CancelFunc
	done           chan error
}

func start(t *testing.T, args ...string) *process {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &process{args: args, stdout: &demotest.Buffer{}, stderr: &demotest.Buffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() { p.done <- run(ctx, args, demo.IO{In: strings.NewReader(""), Out: p.stdout, Err: p.stderr}) }()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// addr waits for the "listening" line of service and returns its address.
func (p *process) addr(t *testing.T, service string) string {
	t.Helper()
	deadline := time.Now().Add(demotest.Guard)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(p.stderr.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "listening" && m["service"] == service {
				return m["addr"].(string)
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("%v ended (%v) before %s listened:\n%s", p.args, err, service, p.stderr)
		case <-time.After(10 * time.Millisecond): // polling the log, not synchronising
		}
	}
	t.Fatalf("%v: %s did not listen within %v:\n%s", p.args, service, demotest.Guard, p.stderr)
	return ""
}

func (p *process) stop(t *testing.T) {
	p.cancel()
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Errorf("%v: %v", p.args, err)
		}
	case <-time.After(demotest.Guard):
		t.Errorf("%v did not stop within %v", p.args, demotest.Guard)
	}
}
