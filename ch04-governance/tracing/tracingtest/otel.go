package tracingtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/grpclabs/labs/ch04-governance/tracing/handspan"
)

func resourceValue(s sdktrace.ReadOnlySpan, key string) string {
	v, _ := s.Resource().Set().Value(attribute.Key(key))
	return v.Emit()
}

func spanAttr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

func shutdown(t *testing.T, tp *sdktrace.TracerProvider) {
	t.Helper()
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// TestProvider: step 3, one provider per service, with parent-based ratio
// sampling.
func TestProvider(t *testing.T, l Lab) {
	rec := tracetest.NewSpanRecorder()
	tp, err := l.NewProvider("orders", 1, rec)
	step3.Require(t, err)
	defer shutdown(t, tp)

	t.Run("resource", func(t *testing.T) {
		t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=lab,service.name=from-attributes")
		t.Setenv("OTEL_SERVICE_NAME", "from-env")
		rec := tracetest.NewSpanRecorder()
		other := tracetest.NewSpanRecorder()
		tp, err := l.NewProvider("orders", 1, rec, other)
		step3.Require(t, err)
		defer shutdown(t, tp)
		_, span := tp.Tracer("test").Start(context.Background(), "work")
		span.End()
		if len(rec.Ended()) != 1 || len(other.Ended()) != 1 {
			t.Fatalf("the two processors saw %d and %d spans, want 1 each: register every processor given", len(rec.Ended()), len(other.Ended()))
		}
		s := rec.Ended()[0]
		if got := resourceValue(s, "service.name"); got != "orders" {
			t.Errorf("service.name = %q, want %q: the name given wins over OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (merge it last)", got, "orders")
		}
		if got := resourceValue(s, "deployment.environment.name"); got != "lab" {
			t.Errorf("deployment.environment.name = %q, want %q from OTEL_RESOURCE_ATTRIBUTES (start from resource.Default())", got, "lab")
		}
		if got := resourceValue(s, "telemetry.sdk.language"); got != "go" {
			t.Errorf("telemetry.sdk.language = %q, want go (resource.Default() has it)", got)
		}
	})

	t.Run("ratio", func(t *testing.T) {
		for _, ratio := range []float64{0, 0.25, 0.5, 1} {
			rec := tracetest.NewSpanRecorder()
			tp, err := l.NewProvider("s", ratio, rec)
			step3.Require(t, err)
			ref := sdktrace.TraceIDRatioBased(ratio)
			sampled := 0
			for range 2000 {
				_, span := tp.Tracer("test").Start(context.Background(), "root")
				sc := span.SpanContext()
				span.End()
				want := ref.ShouldSample(sdktrace.SamplingParameters{TraceID: sc.TraceID()}).Decision == sdktrace.RecordAndSample
				if sc.IsSampled() != want {
					t.Fatalf("ratio %v: a root span of trace %v was sampled=%v; TraceIDRatioBased(%v) says %v", ratio, sc.TraceID(), sc.IsSampled(), ratio, want)
				}
				if want {
					sampled++
				}
			}
			if len(rec.Ended()) != sampled {
				t.Errorf("ratio %v: the processor saw %d spans, want the %d sampled ones", ratio, len(rec.Ended()), sampled)
			}
			shutdown(t, tp)
		}
	})

	t.Run("parent_based", func(t *testing.T) {
		for _, tc := range []struct {
			ratio  float64
			parent trace.TraceFlags
			want   bool
		}{{0, trace.FlagsSampled, true}, {1, 0, false}, {0.5, trace.FlagsSampled, true}, {0.5, 0, false}} {
			tp, err := l.NewProvider("s", tc.ratio)
			step3.Require(t, err)
			for range 50 {
				parent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID(handspan.NewTraceID()), SpanID: trace.SpanID(handspan.NewSpanID()), TraceFlags: tc.parent, Remote: true})
				_, span := tp.Tracer("test").Start(trace.ContextWithRemoteSpanContext(context.Background(), parent), "child")
				if got := span.SpanContext().IsSampled(); got != tc.want {
					t.Fatalf("ratio %v, a remote parent with sampled=%v: the child's sampled=%v; want %v (a child follows its parent: sdktrace.ParentBased)", tc.ratio, parent.IsSampled(), got, tc.want)
				}
				span.End()
			}
			shutdown(t, tp)
		}
	})

	for _, bad := range []float64{-0.1, 1.5} {
		if tp, err := l.NewProvider("s", bad); err == nil {
			shutdown(t, tp)
			t.Errorf("NewProvider with ratio %v succeeded; want an error", bad)
		}
	}
}

// describeSpans is one line per span, for failure messages.
func describeSpans(spans []sdktrace.ReadOnlySpan) string {
	var b strings.Builder
	for _, s := range spans {
		fmt.Fprintf(&b, "\n  %-10s %-7v %-36s trace %v span %v parent %v status %v", resourceValue(s, "service.name"), s.SpanKind(), s.Name(), s.SpanContext().TraceID(), s.SpanContext().SpanID(), s.Parent().SpanID(), s.Status().Code)
	}
	return b.String()
}
