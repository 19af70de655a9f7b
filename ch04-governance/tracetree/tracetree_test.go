package tracetree_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"go.uber.org/goleak"
	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch04-governance/tracetree"
	"github.com/grpclabs/labs/scripts/labkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func provider(service string, p sdktrace.SpanProcessor) *sdktrace.TracerProvider {
	return sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(p),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(service))))
}

// threeServices makes one trace across gateway, orders and inventory, the
// way three processes would: each with its own provider, the parent
// passed along as a remote span context. The database call fails.
func threeServices(gw, ord, inv *sdktrace.TracerProvider) trace.TraceID {
	ctx, root := gw.Tracer("t").Start(context.Background(), "POST /checkout", trace.WithSpanKind(trace.SpanKindServer))
	ctx, call := gw.Tracer("t").Start(ctx, "PlaceOrder", trace.WithSpanKind(trace.SpanKindClient))
	remote := trace.ContextWithRemoteSpanContext(context.Background(), trace.SpanContextFromContext(ctx))
	octx, srv := ord.Tracer("t").Start(remote, "PlaceOrder", trace.WithSpanKind(trace.SpanKindServer))
	octx, call2 := ord.Tracer("t").Start(octx, "Reserve", trace.WithSpanKind(trace.SpanKindClient))
	ictx, srv2 := inv.Tracer("t").Start(trace.ContextWithRemoteSpanContext(context.Background(), trace.SpanContextFromContext(octx)), "Reserve", trace.WithSpanKind(trace.SpanKindServer))
	_, db := inv.Tracer("t").Start(ictx, "UPDATE stock", trace.WithSpanKind(trace.SpanKindClient))
	db.SetStatus(codes.Error, "connection reset")
	for _, s := range []trace.Span{db, srv2, call2, srv, call, root} {
		s.End()
	}
	return root.SpanContext().TraceID()
}

// wantChain checks tr is the threeServices trace.
func wantChain(t *testing.T, tr *tracetree.Trace) {
	t.Helper()
	var out strings.Builder
	if err := tr.Render(&out); err != nil {
		t.Fatal(err)
	}
	if !tr.Complete() || tr.Spans != 6 || strings.Join(tr.Services, " ") != "gateway inventory orders" {
		t.Fatalf("want one complete trace of 6 spans in 3 services, got:\n%s", out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []struct{ service, tree string }{
		{"gateway", "POST /checkout"}, {"gateway", "└─ PlaceOrder"}, {"orders", "   └─ PlaceOrder"},
		{"orders", "      └─ Reserve"}, {"inventory", "         └─ Reserve"}, {"inventory", "            └─ UPDATE stock"},
	}
	for i, w := range want {
		line := lines[2+i]
		if !strings.HasPrefix(strings.TrimSpace(line), w.service) || !strings.Contains(line, "  "+w.tree+"  ") {
			t.Errorf("line %d = %q, want %s's %q", i+1, line, w.service, w.tree)
		}
	}
	if !strings.HasSuffix(lines[len(lines)-1], "ERROR connection reset") {
		t.Errorf("the database span's line %q does not show its error", lines[len(lines)-1])
	}
}

func TestReadJSON(t *testing.T) {
	for _, pretty := range []bool{false, true} {
		var buf bytes.Buffer
		opts := []stdouttrace.Option{stdouttrace.WithWriter(&buf)}
		if pretty {
			opts = append(opts, stdouttrace.WithPrettyPrint())
		}
		exp, err := stdouttrace.New(opts...)
		if err != nil {
			t.Fatal(err)
		}
		p := sdktrace.NewSimpleSpanProcessor(exp)
		gw, ord, inv := provider("gateway", p), provider("orders", p), provider("inventory", p)
		id := threeServices(gw, ord, inv)
		for _, tp := range []*sdktrace.TracerProvider{gw, ord, inv} {
			tp.Shutdown(context.Background())
		}
		spans, err := tracetree.ReadJSON(&buf)
		if err != nil {
			t.Fatalf("pretty=%v: %v", pretty, err)
		}
		traces := tracetree.Assemble(spans)
		if len(traces) != 1 || traces[0].ID != id.String() {
			t.Fatalf("pretty=%v: %d traces, want trace %s", pretty, len(traces), id)
		}
		wantChain(t, traces[0])
	}

	good := `{"Name":"a","SpanContext":{"TraceID":"4bf92f3577b34da6a3ce929d0e0e4736","SpanID":"00f067aa0ba902b7"},"StartTime":"2026-01-01T00:00:00Z","EndTime":"2026-01-01T00:00:01Z"}`
	for _, tc := range []struct{ name, in, want string }{
		{"garbage", "hello", "span 1 (line 1): not JSON"},
		{"truncated", good + "\n" + good[:40], "span 2 (line 2): the input ends in the middle of a span"},
		{"not a span", `{"foo": 1}`, "it has no SpanContext"},
		{"wrong type", `[1, 2]`, "not a span from the stdout exporter"},
		{"bad trace id", strings.Replace(good, "4bf92f", "XYZ92f", 1), "trace id"},
		{"zero span id", strings.Replace(good, "00f067aa0ba902b7", "0000000000000000", 1), "span id is all zeros"},
		{"ends before it starts", strings.Replace(good, "00:00:01Z", "00:00:00Z\",\"X\":\"", 1), ""},
		{"parent in another trace", strings.Replace(good, `"StartTime"`, `"Parent":{"TraceID":"11111111111111111111111111111111","SpanID":"1111111111111111"},"StartTime"`, 1), "parent is in another trace"},
	} {
		spans, err := tracetree.ReadJSON(strings.NewReader(tc.in))
		if tc.want == "" {
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ReadJSON = %d spans, %v; want an error containing %q", tc.name, len(spans), err, tc.want)
		}
	}
	if spans, err := tracetree.ReadJSON(strings.NewReader(good + "\n" + good[:40])); len(spans) != 1 || err == nil {
		t.Errorf("a truncated second span: got %d spans, %v; want the first span and an error", len(spans), err)
	}
}

func FuzzReadJSON(f *testing.F) {
	good := `{"Name":"a","SpanContext":{"TraceID":"4bf92f3577b34da6a3ce929d0e0e4736","SpanID":"00f067aa0ba902b7"},"Parent":{"TraceID":"4bf92f3577b34da6a3ce929d0e0e4736","SpanID":"00f067aa0ba902b8"},"StartTime":"2026-01-01T00:00:00Z","EndTime":"2026-01-01T00:00:01Z","Status":{"Code":"Error","Description":"x"},"Resource":[{"Key":"service.name","Value":{"Type":"STRING","Value":"svc"}}]}`
	for _, s := range []string{good, good + good, good[:50], "", "{}", "[]", "null", `{"SpanContext":{}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		spans, _ := tracetree.ReadJSON(strings.NewReader(in))
		for _, tr := range tracetree.Assemble(spans) {
			var b strings.Builder
			if err := tr.Render(&b); err != nil {
				t.Fatal(err)
			}
			n := 0
			for range strings.SplitSeq(strings.TrimSpace(b.String()), "\n") {
				n++
			}
			if n != tr.Spans+2 {
				t.Fatalf("rendered %d lines for %d spans:\n%s", n, tr.Spans, b.String())
			}
		}
	})
}

func TestAssemble(t *testing.T) {
	at := func(ms int) time.Time { return time.Unix(0, 0).Add(time.Duration(ms) * time.Millisecond) }
	tid, other := "4bf92f3577b34da6a3ce929d0e0e4736", "0af7651916cd43dd8448eb211c80319c"
	spans := []tracetree.Span{
		{TraceID: tid, SpanID: "0000000000000001", Name: "root", Service: "a", Start: at(0), End: at(10)},
		{TraceID: tid, SpanID: "0000000000000002", ParentID: "0000000000000001", Name: "b", Service: "b", Start: at(5), End: at(9)},
		{TraceID: tid, SpanID: "0000000000000003", ParentID: "0000000000000001", Name: "c", Service: "b", Start: at(1), End: at(4)},
		{TraceID: tid, SpanID: "0000000000000003", ParentID: "0000000000000001", Name: "c", Service: "b", Start: at(1), End: at(4)}, // exported twice
		{TraceID: tid, SpanID: "0000000000000004", ParentID: "00000000000000ff", Name: "lost", Service: "c", Start: at(2), End: at(3)},
		{TraceID: other, SpanID: "0000000000000005", Name: "later", Service: "a", Start: at(20), End: at(21)},
	}
	traces := tracetree.Assemble(spans)
	if len(traces) != 2 || traces[0].ID != tid || traces[1].ID != other {
		t.Fatalf("Assemble: %d traces, want 2 in start order", len(traces))
	}
	tr := traces[0]
	if tr.Spans != 4 || tr.Complete() || len(tr.Orphans) != 1 || len(tr.Roots[0].Children) != 2 || tr.Roots[0].Children[0].Name != "c" {
		t.Fatalf("trace: %d spans, complete %v, %d orphans; want 4 (the duplicate dropped), incomplete, 1 orphan, children in start order", tr.Spans, tr.Complete(), len(tr.Orphans))
	}
	var b strings.Builder
	tr.Render(&b)
	if !strings.Contains(b.String(), "? lost") || !strings.Contains(b.String(), "(parent 00000000000000ff never arrived)") {
		t.Errorf("the orphan is not shown with its missing parent:\n%s", b.String())
	}
}

// TestReceiver: a real OpenTelemetry SDK exports over OTLP/gRPC to the
// receiver; the trace comes out whole once its root arrives.
func TestReceiver(t *testing.T) {
	var got tracetree.Collected
	recv := tracetree.NewReceiver(time.Hour, time.Hour, got.Add)
	srv := labkit.Serve(t, labkit.Loopback, func(g *grpc.Server) { coltracepb.RegisterTraceServiceServer(g, recv) }, labkit.Options{})
	var tps []*sdktrace.TracerProvider
	for _, name := range []string{"gateway", "orders", "inventory"} {
		exp, err := otlptracegrpc.New(t.Context(), otlptracegrpc.WithEndpoint(srv.Addr), otlptracegrpc.WithInsecure())
		if err != nil {
			t.Fatal(err)
		}
		tps = append(tps, provider(name, sdktrace.NewBatchSpanProcessor(exp)))
	}
	id := threeServices(tps[0], tps[1], tps[2])
	for _, tp := range tps {
		if err := tp.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	recv.Flush()
	traces := got.Traces()
	if len(traces) != 1 || traces[0].ID != id.String() {
		t.Fatalf("the receiver handed over %d traces, want trace %s", len(traces), id)
	}
	wantChain(t, traces[0])
}

// TestReceiverTiming: when a trace is handed over, on a fake clock.
func TestReceiverTiming(t *testing.T) {
	span := func(trace, id, parent string) *tracepb.Span {
		b := func(h string) []byte {
			out := make([]byte, len(h)/2)
			for i := range out {
				out[i] = h[2*i]<<4 | h[2*i+1]&0x0f // digits only
			}
			return out
		}
		s := &tracepb.Span{TraceId: b(trace), SpanId: b(id), Name: id, StartTimeUnixNano: 1, EndTimeUnixNano: 2}
		if parent != "" {
			s.ParentSpanId = b(parent)
		}
		return s
	}
	req := func(spans ...*tracepb.Span) *coltracepb.ExportTraceServiceRequest {
		return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: spans}}}}}
	}
	const tid = "11111111111111111111111111111111"
	labkit.Bubble(t, func(t *testing.T) {
		var mu sync.Mutex
		var got []time.Duration
		start := time.Now()
		recv := tracetree.NewReceiver(time.Second, 10*time.Second, func(tr *tracetree.Trace) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, time.Since(start))
		})
		// The child arrives first; its parent (the root) half a second later.
		recv.Export(t.Context(), req(span(tid, "0000000000000002", "0000000000000001")))
		time.Sleep(500 * time.Millisecond)
		recv.Export(t.Context(), req(span(tid, "0000000000000001", "")))
		time.Sleep(3 * time.Second)
		// A trace whose parent never comes: handed over at maxWait.
		const lost = "22222222222222222222222222222222"
		recv.Export(t.Context(), req(span(lost, "0000000000000003", "0000000000000009")))
		time.Sleep(20 * time.Second)
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		want := []time.Duration{1500 * time.Millisecond, 3500*time.Millisecond + 10*time.Second}
		if len(got) != 2 || got[0] != want[0] || got[1] > want[1]+time.Second || got[1] < want[1] {
			t.Errorf("traces handed over at %v, want %v: a complete trace a quiet period after its last span; an incomplete one after maxWait", got, want)
		}
		resp, _ := recv.Export(t.Context(), req(&tracepb.Span{TraceId: []byte{1}, SpanId: []byte{2}, Name: "bad"}))
		if resp.GetPartialSuccess().GetRejectedSpans() != 1 {
			t.Errorf("a span with a 1-byte trace id was not rejected: %v", resp)
		}
		recv.Flush()
	})
}
