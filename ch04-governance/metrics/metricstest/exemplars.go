package metricstest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	ordersv1 "github.com/grpclabs/labs/ch04-governance/gen/orders/v1"
	"github.com/grpclabs/labs/ch04-governance/tracing/handspan"
	tracing "github.com/grpclabs/labs/ch04-governance/tracing/solution"
	"github.com/grpclabs/labs/scripts/labkit"
)

func spanContext(sampled bool) trace.SpanContext {
	var flags trace.TraceFlags
	if sampled {
		flags = trace.FlagsSampled
	}
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID(handspan.NewTraceID()), SpanID: trace.SpanID(handspan.NewSpanID()), TraceFlags: flags})
}

// exemplarOf returns the trace_id exemplars of the series of name whose
// labels include labels.
func exemplarOf(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) []string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	add := func(e *dto.Exemplar) {
		for _, lp := range e.GetLabel() {
			if lp.GetName() == "trace_id" {
				ids = append(ids, lp.GetValue())
			}
		}
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue next
				}
			}
			if e := m.GetCounter().GetExemplar(); e != nil {
				add(e)
			}
			for _, b := range m.GetHistogram().GetBucket() {
				if e := b.GetExemplar(); e != nil {
					add(e)
				}
			}
		}
	}
	return ids
}

// TestExemplars: step 3, each sample points at the trace that made it, and
// /metrics serves them in the OpenMetrics format.
func TestExemplars(t *testing.T, l Lab) {
	sampled, unsampled := spanContext(true), spanContext(false)
	ex := l.Exemplar(trace.ContextWithSpanContext(context.Background(), sampled))
	if ex == nil {
		step3.Check(t, labkit.TODO("Exemplar"))
	}
	if ex["trace_id"] != sampled.TraceID().String() || len(ex) != 1 {
		t.Errorf("Exemplar(ctx with a sampled span) = %v, want {trace_id: %s}", ex, sampled.TraceID())
	}
	for name, ctx := range map[string]context.Context{
		"no span":           context.Background(),
		"an unsampled span": trace.ContextWithSpanContext(context.Background(), unsampled),
	} {
		if ex := l.Exemplar(ctx); ex != nil {
			t.Errorf("Exemplar(ctx with %s) = %v, want nil: an exemplar must point at a trace somebody recorded", name, ex)
		}
	}

	// The real thing: the tracing lab's otelgrpc handlers make the spans,
	// the lab's interceptors record the samples.
	rec := tracetest.NewSpanRecorder()
	tp, err := tracing.NewProvider("inventory", 1, rec)
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Shutdown(context.Background())
	reg := prometheus.NewRegistry()
	sm, err := l.NewServerMetrics(reg)
	step1.Require(t, err)
	cm, err := l.NewClientMetrics(reg)
	step2.Require(t, err)
	s := labkit.Serve(t, labkit.Bufconn, registerStock, labkit.Options{
		Server: append(tracing.ServerOptions(tp), grpc.ChainUnaryInterceptor(sm.Unary())),
		Client: append(tracing.DialOptions(tp), grpc.WithChainUnaryInterceptor(cm.Unary())),
	})
	client := ordersv1.NewInventoryServiceClient(s.Conn)
	ctx := trace.ContextWithSpanContext(t.Context(), sampled)
	if _, err := client.Reserve(ctx, &ordersv1.ReserveRequest{Item: "apple", Quantity: 1}); err != nil {
		t.Fatal(err)
	}
	want := sampled.TraceID().String()
	for _, name := range []string{"grpc_server_handled_total", "grpc_server_handling_seconds", "grpc_client_handled_total", "grpc_client_handling_seconds"} {
		ids := exemplarOf(t, reg, name, map[string]string{"grpc_method": "Reserve"})
		if len(ids) != 1 || ids[0] != want {
			t.Errorf("%s's exemplars carry trace ids %v, want [%s] (AddWithExemplar, ObserveWithExemplar with Exemplar(ctx))", name, ids, want)
		}
	}

	// /metrics: OpenMetrics when asked for it (that is what Prometheus asks
	// for with exemplar storage on), with the exemplar on the sample line.
	srv := httptest.NewServer(l.Handler(reg))
	defer srv.Close()
	get := func(accept string) (string, string) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/metrics", nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("Content-Type"), string(b)
	}
	ct, body := get("application/openmetrics-text;version=1.0.0")
	if !strings.HasPrefix(ct, "application/openmetrics-text") {
		t.Errorf("asked for OpenMetrics, got Content-Type %q: enable it in promhttp.HandlerOpts", ct)
	}
	if !strings.Contains(body, `# {trace_id="`+want+`"}`) {
		t.Errorf("the OpenMetrics exposition has no exemplar for trace %s:\n%s", want, firstLines(body, "grpc_server_handled_total", 5))
	}
	if ct, body := get(""); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(body, "grpc_server_started_total") {
		t.Errorf("a plain scrape got Content-Type %q; the classic text format must still work", ct)
	}
}

func firstLines(body, prefix string, n int) string {
	var out []string
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, prefix) && len(out) < n {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
