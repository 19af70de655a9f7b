package metricstest

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"

	"go.opentelemetry.io/otel/trace"

	tracing "github.com/grpclabs/labs/ch04-governance/tracing/solution"
	"github.com/grpclabs/labs/ch04-governance/tracing/tracingtest"
	"github.com/grpclabs/labs/scripts/demo/demotest"
	"github.com/grpclabs/labs/scripts/labkit"
)

// TracingLab is the tracing lab's solution, which instruments the shop in
// this suite and in the programs' tests.
var TracingLab = tracingtest.Lab{
	Parse: tracing.Parse, Format: tracing.Format,
	ClientInterceptor: tracing.UnaryClientInterceptor, ServerInterceptor: tracing.UnaryServerInterceptor,
	NewProvider: tracing.NewProvider, ServerOptions: tracing.ServerOptions, DialOptions: tracing.DialOptions,
	TraceDB: tracing.TraceDB, TraceHTTP: tracing.TraceHTTP, NewExporter: tracing.NewExporter,
}

// logLines parses JSON log lines.
func logLines(t *testing.T, b *demotest.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("a log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

// TestTraceLogs: step 5, every line logged inside a request carries the
// request's trace id and the span that logged it.
func TestTraceLogs(t *testing.T, l Lab) {
	var probe bytes.Buffer
	sc := spanContext(true)
	slog.New(l.NewTraceHandler(slog.NewJSONHandler(&probe, nil))).InfoContext(trace.ContextWithSpanContext(context.Background(), sc), "probe")
	if probe.Len() == 0 {
		step5.Check(t, labkit.TODO("TraceHandler"))
	}

	t.Run("shop", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			var bufs [3]demotest.Buffer
			var logs [3]*slog.Logger
			for i := range logs {
				logs[i] = slog.New(l.NewTraceHandler(slog.NewJSONHandler(&bufs[i], nil)))
			}
			s := tracingtest.NewShop(t, TracingLab, labkit.Bufconn, tracingtest.ShopOptions{Logs: logs})
			if code := s.Checkout(t, "apple", "2", nil); code != 200 {
				t.Fatalf("checkout: HTTP %d", code)
			}
			synctest.Wait()
			spans := s.Recorder.Ended()
			traceID := spans[0].SpanContext().TraceID().String()
			// The span each service logs under: its server span.
			own := map[int]string{}
			for _, sp := range spans {
				svc := ""
				if v, ok := sp.Resource().Set().Value("service.name"); ok {
					svc = v.AsString()
				}
				for i, name := range []string{"gateway", "orders", "inventory"} {
					if svc == name && sp.SpanKind() == trace.SpanKindServer {
						own[i] = sp.SpanContext().SpanID().String()
					}
				}
			}
			for i, name := range []string{"gateway", "orders", "inventory"} {
				lines := logLines(t, &bufs[i])
				if len(lines) == 0 {
					t.Fatalf("%s logged nothing", name)
				}
				for _, line := range lines {
					if line["trace_id"] != traceID || line["span_id"] != own[i] {
						t.Errorf("%s logged %v; want trace_id %s and span_id %s (its server span) on every line of the request", name, line, traceID, own[i])
					}
				}
			}
		})
	})

	t.Run("outside_a_request", func(t *testing.T) {
		var b demotest.Buffer
		log := slog.New(l.NewTraceHandler(slog.NewJSONHandler(&b, nil)))
		log.Info("starting")
		log.InfoContext(context.Background(), "still starting")
		log.InfoContext(trace.ContextWithSpanContext(context.Background(), trace.SpanContext{}), "invalid span")
		for _, line := range logLines(t, &b) {
			if _, ok := line["trace_id"]; ok {
				t.Errorf("a line logged outside any span has trace_id: %v; add the ids only when the context has a valid span", line)
			}
		}
	})

	t.Run("with_attrs", func(t *testing.T) {
		var b demotest.Buffer
		log := slog.New(l.NewTraceHandler(slog.NewJSONHandler(&b, nil))).With("component", "orders").WithGroup("req")
		ctx := trace.ContextWithSpanContext(context.Background(), sc)
		log.InfoContext(ctx, "placing", "item", "apple")
		lines := logLines(t, &b)
		if len(lines) != 1 {
			t.Fatalf("logged %d lines, want 1", len(lines))
		}
		if lines[0]["component"] != "orders" {
			t.Errorf("line %v lost the With attribute", lines[0])
		}
		got := lines[0]["trace_id"]
		if g, ok := lines[0]["req"].(map[string]any); ok && got == nil {
			got = g["trace_id"]
		}
		if got != sc.TraceID().String() {
			t.Errorf("a logger made with With(...).WithGroup(...) logged %v without the trace id; WithAttrs and WithGroup must return a TraceHandler around the new handler", lines[0])
		}
	})
}
