package tracingtest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch04-governance/tracetree"
	"github.com/grpclabs/labs/scripts/labkit"
)

// exportEnv are the variables NewExporter reads; each case sets them all.
var exportEnv = []string{"OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_INSECURE"}

func setEnv(t *testing.T, kv map[string]string) {
	t.Helper()
	for _, k := range exportEnv {
		t.Setenv(k, kv[k])
	}
}

// exportOne sends one span through exp with a provider from the lab and
// shuts both down (which flushes).
func exportOne(t *testing.T, l Lab, exp sdktrace.SpanExporter, service string) {
	t.Helper()
	tp, err := l.NewProvider(service, 1, sdktrace.NewSimpleSpanProcessor(exp))
	step3.Require(t, err)
	ctx, root := tp.Tracer("test").Start(context.Background(), "checkout")
	_, child := tp.Tracer("test").Start(ctx, "UPDATE stock")
	child.End()
	root.End()
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Errorf("shutting the provider down (flushing the exporter): %v", err)
	}
}

// TestExporter: step 5, the exporter chosen by the standard environment
// variables: the console (JSON on stdout), OTLP/gRPC, or none.
func TestExporter(t *testing.T, l Lab) {
	t.Run("console", func(t *testing.T) {
		for _, env := range []map[string]string{{}, {"OTEL_TRACES_EXPORTER": "console"}} {
			setEnv(t, env)
			var out bytes.Buffer
			exp, err := l.NewExporter(t.Context(), &out)
			step5.Require(t, err)
			exportOne(t, l, exp, "orders")
			spans, err := tracetree.ReadJSON(&out)
			if err != nil || len(spans) != 2 {
				t.Fatalf("env %v: the stdout exporter's output read back as %d spans, %v; want 2:\n%s", env, len(spans), err, out.String())
			}
			if spans[0].Service != "orders" || spans[1].ParentID != spans[0].SpanID && spans[0].ParentID != spans[1].SpanID {
				t.Errorf("read back %+v", spans)
			}
		}
	})

	t.Run("none", func(t *testing.T) {
		setEnv(t, map[string]string{"OTEL_TRACES_EXPORTER": "none"})
		var out bytes.Buffer
		exp, err := l.NewExporter(t.Context(), &out)
		step5.Require(t, err)
		exportOne(t, l, exp, "orders")
		if out.Len() != 0 {
			t.Errorf("OTEL_TRACES_EXPORTER=none wrote %q", out.String())
		}
	})

	t.Run("unknown", func(t *testing.T) {
		setEnv(t, map[string]string{"OTEL_TRACES_EXPORTER": "jaeger"})
		exp, err := l.NewExporter(t.Context(), &bytes.Buffer{})
		if step5.Check(t, err) == nil {
			exp.Shutdown(context.Background())
			t.Fatal("OTEL_TRACES_EXPORTER=jaeger was accepted; say it is not supported, and what is")
		}
		if !strings.Contains(err.Error(), "jaeger") || !strings.Contains(err.Error(), "otlp") {
			t.Errorf("error %q: name the bad value and the supported ones", err)
		}
	})

	t.Run("otlp", func(t *testing.T) {
		// A real OTLP/gRPC endpoint on loopback: cmd/tracetree's receiver.
		var got tracetree.Collected
		recv := tracetree.NewReceiver(time.Hour, time.Hour, got.Add)
		srv := labkit.Serve(t, labkit.Loopback, func(g *grpc.Server) { coltracepb.RegisterTraceServiceServer(g, recv) }, labkit.Options{})
		for _, env := range []map[string]string{
			{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + srv.Addr, "OTEL_EXPORTER_OTLP_INSECURE": "true"},
			{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://" + srv.Addr, "OTEL_EXPORTER_OTLP_INSECURE": "true"},
		} {
			setEnv(t, env)
			var out bytes.Buffer
			exp, err := l.NewExporter(t.Context(), &out)
			step5.Require(t, err)
			exportOne(t, l, exp, "inventory")
			before := len(got.Traces())
			recv.Flush()
			traces := got.Traces()[before:]
			if len(traces) != 1 || traces[0].Spans != 2 || !traces[0].Complete() || traces[0].Services[0] != "inventory" {
				t.Errorf("env %v: the OTLP receiver got %d traces (%+v); want one complete trace of 2 spans from inventory", env, len(traces), traces)
			}
			if out.Len() != 0 {
				t.Errorf("env %v: with an OTLP endpoint set, spans were also written to stdout: %q", env, out.String())
			}
		}
	})
}
