package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitFor polls the program's output until it contains every want.
func waitFor(t *testing.T, p *demotest.Program, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(demotest.Guard)
	for {
		out := p.Stdout.String()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(out, w)
		}
		if ok {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v the output is:\n%s\nwant it to contain %q", demotest.Guard, out, want)
		}
		time.Sleep(20 * time.Millisecond) // polling output, not synchronising
	}
}

// TestListen: three services export to tracetree over OTLP/gRPC with the
// real SDK; it prints the trace as a waterfall once it is complete.
func TestListen(t *testing.T) {
	p := demotest.Start(t, run, "-listen=127.0.0.1:0", "-quiet=100ms", "-max-wait=500ms")
	var tps []*sdktrace.TracerProvider
	for _, name := range []string{"gateway", "orders", "inventory"} {
		exp, err := otlptracegrpc.New(t.Context(), otlptracegrpc.WithEndpoint(p.Addr), otlptracegrpc.WithInsecure())
		if err != nil {
			t.Fatal(err)
		}
		tps = append(tps, sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(name)))))
	}
	ctx, root := tps[0].Tracer("t").Start(context.Background(), "POST /checkout")
	octx, srv := tps[1].Tracer("t").Start(trace.ContextWithRemoteSpanContext(context.Background(), trace.SpanContextFromContext(ctx)), "PlaceOrder")
	_, inv := tps[2].Tracer("t").Start(trace.ContextWithRemoteSpanContext(context.Background(), trace.SpanContextFromContext(octx)), "Reserve")
	inv.End()
	srv.End()
	root.End()
	// A span whose parent never arrives.
	lost := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5}, TraceFlags: trace.FlagsSampled})
	_, orphan := tps[1].Tracer("t").Start(trace.ContextWithRemoteSpanContext(context.Background(), lost), "stray")
	orphan.End()
	for _, tp := range tps {
		if err := tp.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	id := root.SpanContext().TraceID().String()
	out := waitFor(t, p, "trace "+id+"  3 spans, 3 services (gateway, inventory, orders)", "(parent 0405000000000000 never arrived)")
	for _, want := range []string{"gateway    POST /checkout", "orders     └─ PlaceOrder", "inventory     └─ Reserve", "? stray"} {
		if !strings.Contains(out, want) {
			t.Errorf("output:\n%s\nwant a line with %q", out, want)
		}
	}
	if err := p.Stop(t); err != nil {
		t.Errorf("stop: %v", err)
	}
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := `{"Name":"checkout","SpanContext":{"TraceID":"4bf92f3577b34da6a3ce929d0e0e4736","SpanID":"00f067aa0ba902b7"},"StartTime":"2026-01-01T00:00:00Z","EndTime":"2026-01-01T00:00:00.010Z","Resource":[{"Key":"service.name","Value":{"Type":"STRING","Value":"gateway"}}]}`
	out, _, err := demotest.Run(t.Context(), run, "", "-file="+write("good.json", good+"\n"))
	if err != nil || !strings.Contains(out, "trace 4bf92f3577b34da6a3ce929d0e0e4736  1 spans, 1 services (gateway), 10ms") {
		t.Errorf("a good file: %v\n%s", err, out)
	}
	if out, _, err := demotest.Run(t.Context(), run, good, "-file=-"); err != nil || !strings.Contains(out, "checkout") {
		t.Errorf("-file=- (stdin): %v\n%s", err, out)
	}
	for _, tc := range []struct{ name, content, want string }{
		{"garbage.json", "\x00\x01garbage", "span 1 (line 1): not JSON"},
		{"truncated.json", good + "\n" + good[:60], "span 2 (line 2): the input ends in the middle of a span"},
		{"empty.json", "", "holds no spans"},
	} {
		out, _, err := demotest.Run(t.Context(), run, "", "-file="+write(tc.name, tc.content))
		if err == nil || !strings.Contains(err.Error(), tc.want) || demo.ExitCode("tracetree", err, io.Discard) != 1 {
			t.Errorf("%s: %v, want an error (exit 1) containing %q", tc.name, err, tc.want)
		}
		if tc.name == "truncated.json" && !strings.Contains(out, "checkout") {
			t.Errorf("a truncated file: the spans before the damage are not shown:\n%s", out)
		}
	}
	if _, _, err := demotest.Run(t.Context(), run, "", "-file="+filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("a missing file: %v", err)
	}
	for _, bad := range [][]string{{}, {"-file=x", "-listen=127.0.0.1:0"}, {"-nope"}, {"-listen=127.0.0.1:0", "-quiet=0"}, {"extra"}} {
		_, _, err := demotest.Run(t.Context(), run, "", bad...)
		if demo.ExitCode("tracetree", err, io.Discard) != 2 {
			t.Errorf("%q: %v, want a usage error (exit 2)", bad, err)
		}
	}
	if _, _, err := demotest.Run(t.Context(), run, "", "-listen=256.1.1.1:1"); err == nil || !strings.Contains(err.Error(), "cannot listen") {
		t.Errorf("a bad -listen address: %v", err)
	}
}
