package tracingtest

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	ordersv1 "github.com/grpclabs/labs/ch04-governance/gen/orders/v1"
	"github.com/grpclabs/labs/ch04-governance/shop"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Shop is the three services of the shop, instrumented by the lab, each
// with its own tracer provider (and so its own service.name), all
// recording into one SpanRecorder. Other suites (the metrics lab, the
// programs' tests) build on it.
type Shop struct {
	Gateway  http.Handler
	DB       *shop.MemDB
	Recorder *tracetest.SpanRecorder
}

// ShopOptions adds to what NewShop builds. Index 0 is the gateway, 1
// orders, 2 inventory.
type ShopOptions struct {
	Ratios [3]float64 // sampling ratios; zero means 1
	// More options after the lab's own: metrics interceptors, for example.
	Server [3][]grpc.ServerOption // orders and inventory are servers
	Dial   [3][]grpc.DialOption   // the gateway and orders are clients
	Logs   [3]*slog.Logger        // the services' loggers; nil: none
}

// NewShop starts the shop over tr with the lab's instrumentation.
func NewShop(t *testing.T, l Lab, tr labkit.Transport, o ShopOptions) *Shop {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	ratio := func(i int) float64 {
		if o.Ratios[i] == 0 {
			return 1
		}
		return o.Ratios[i]
	}
	provider := func(name string, i int) *sdktrace.TracerProvider {
		tp, err := l.NewProvider(name, ratio(i), rec)
		step3.Require(t, err)
		t.Cleanup(func() { tp.Shutdown(context.Background()) })
		return tp
	}
	gw, ord, inv := provider("gateway", 0), provider("orders", 1), provider("inventory", 2)
	db := shop.NewMemDB(map[string]int{"apple": 10})

	invSrv := labkit.Serve(t, tr, func(g *grpc.Server) {
		ordersv1.RegisterInventoryServiceServer(g, &shop.Inventory{DB: l.TraceDB(inv, db), Log: o.Logs[2]})
	}, labkit.Options{Server: append(l.ServerOptions(inv), o.Server[2]...)})
	invConn := invSrv.Dial(append(l.DialOptions(ord), o.Dial[1]...)...)
	ordSrv := labkit.Serve(t, tr, func(g *grpc.Server) {
		ordersv1.RegisterOrderServiceServer(g, &shop.Orders{Inventory: ordersv1.NewInventoryServiceClient(invConn), Log: o.Logs[1]})
	}, labkit.Options{Server: append(l.ServerOptions(ord), o.Server[1]...)})
	ordConn := ordSrv.Dial(append(l.DialOptions(gw), o.Dial[0]...)...)
	return &Shop{
		Gateway:  l.TraceHTTP(gw, &shop.Gateway{Orders: ordersv1.NewOrderServiceClient(ordConn), Log: o.Logs[0]}),
		DB:       db,
		Recorder: rec,
	}
}

// Checkout sends POST /checkout to the gateway and returns the status.
func (s *Shop) Checkout(t *testing.T, item string, qty string, header http.Header) int {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/checkout?item="+item+"&qty="+qty, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	s.Gateway.ServeHTTP(w, req)
	if body := w.Body.String(); strings.Contains(body, "TODO: implement") {
		step4.Check(t, labkit.TODO(strings.TrimSpace(strings.TrimPrefix(body[strings.Index(body, "TODO: implement"):], "TODO: implement "))))
	}
	return w.Code
}

// probeShop stops the test with step 4's TODO while an instrumentation
// function is not written.
func probeShop(t *testing.T, l Lab) {
	t.Helper()
	tp, err := l.NewProvider("probe", 1)
	step3.Require(t, err)
	defer tp.Shutdown(context.Background())
	_, err = l.TraceDB(tp, shop.NewMemDB(map[string]int{"apple": 1})).TakeStock(t.Context(), "apple", 1)
	step4.Require(t, err)
	w := httptest.NewRecorder()
	l.TraceHTTP(tp, http.NotFoundHandler()).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if strings.Contains(w.Body.String(), "TODO: implement") {
		step4.Check(t, labkit.TODO("TraceHTTP"))
	}
	s := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) {
		ordersv1.RegisterInventoryServiceServer(g, &shop.Inventory{DB: shop.NewMemDB(map[string]int{"apple": 1})})
	}, labkit.Options{Server: l.ServerOptions(tp), Client: l.DialOptions(tp)})
	_, err = ordersv1.NewInventoryServiceClient(s.Conn).Reserve(t.Context(), &ordersv1.ReserveRequest{Item: "apple", Quantity: 1})
	step4.Require(t, err)
}

// chainSpans is the one trace a checkout makes, outermost first.
var chainSpans = []struct {
	service, name string
	kind          trace.SpanKind
}{
	{"gateway", "POST /checkout", trace.SpanKindServer},
	{"gateway", "orders.v1.OrderService/PlaceOrder", trace.SpanKindClient},
	{"orders", "orders.v1.OrderService/PlaceOrder", trace.SpanKindServer},
	{"orders", "orders.v1.InventoryService/Reserve", trace.SpanKindClient},
	{"inventory", "orders.v1.InventoryService/Reserve", trace.SpanKindServer},
	{"inventory", "UPDATE stock", trace.SpanKindClient},
}

// ordered checks spans are one trace in chainSpans' shape and returns them
// outermost first.
func ordered(t *testing.T, spans []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	t.Helper()
	if len(spans) != len(chainSpans) {
		t.Fatalf("the checkout recorded %d spans, want %d (a server span per service, a client span per call, the database span):%s", len(spans), len(chainSpans), describeSpans(spans))
	}
	traces := map[trace.TraceID]bool{}
	for _, s := range spans {
		traces[s.SpanContext().TraceID()] = true
	}
	if len(traces) != 1 {
		t.Fatalf("the checkout's spans are in %d traces, want 1: propagate with TraceContext and Baggage (OpenTelemetry's global default propagates nothing):%s", len(traces), describeSpans(spans))
	}
	out := make([]sdktrace.ReadOnlySpan, 0, len(spans))
	used := map[int]bool{}
	for _, want := range chainSpans {
		found := false
		for i, s := range spans {
			if !used[i] && s.Name() == want.name && s.SpanKind() == want.kind && resourceValue(s, "service.name") == want.service {
				out, used[i], found = append(out, s), true, true
				break
			}
		}
		if !found {
			t.Fatalf("no %v span %q from service %q:%s", want.kind, want.name, want.service, describeSpans(spans))
		}
	}
	for i := 1; i < len(out); i++ {
		if out[i].Parent().SpanID() != out[i-1].SpanContext().SpanID() {
			t.Errorf("%s's %q span has parent %v, want %s's %q (%v):%s", chainSpans[i].service, out[i].Name(), out[i].Parent().SpanID(),
				chainSpans[i-1].service, out[i-1].Name(), out[i-1].SpanContext().SpanID(), describeSpans(spans))
		}
	}
	return out
}

func wantStatus(t *testing.T, spans []sdktrace.ReadOnlySpan, want [6]codes.Code, why string) {
	t.Helper()
	for i, s := range spans {
		if s.Status().Code != want[i] {
			t.Errorf("%s: %s's %q span has status %v, want %v:%s", why, chainSpans[i].service, s.Name(), s.Status().Code, want[i], describeSpans(spans))
		}
	}
}

// TestShopTrace: step 4, one checkout is one trace across three services.
func TestShopTrace(t *testing.T, l Lab) {
	probeShop(t, l)
	U, E := codes.Unset, codes.Error

	t.Run("one_trace", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			s := NewShop(t, l, labkit.Bufconn, ShopOptions{})
			if code := s.Checkout(t, "apple", "2", http.Header{"Baggage": {"user.id=u-42"}}); code != http.StatusOK {
				t.Fatalf("checkout: HTTP %d, want 200", code)
			}
			synctest.Wait() // the servers' spans end just after their replies
			spans := ordered(t, s.Recorder.Ended())
			if spans[0].Parent().IsValid() {
				t.Errorf("the gateway's span has parent %v; without an incoming traceparent it is the root", spans[0].Parent())
			}
			wantStatus(t, spans, [6]codes.Code{U, U, U, U, U, U}, "a successful checkout")
			db := spans[5]
			for k, v := range map[string]string{"db.system.name": "memdb", "db.operation.name": "UPDATE", "db.collection.name": "stock", "user.id": "u-42"} {
				if got := spanAttr(db, k); got != v {
					t.Errorf("the database span's %s = %q, want %q (user.id comes from the baggage the HTTP caller sent, two hops away)", k, got, v)
				}
			}
			if got := spanAttr(spans[0], "http.response.status_code"); got != "200" {
				t.Errorf("the gateway span's http.response.status_code = %q, want 200", got)
			}
		})
	})

	t.Run("out_of_stock", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			s := NewShop(t, l, labkit.Bufconn, ShopOptions{})
			if code := s.Checkout(t, "apple", "1000", nil); code != http.StatusConflict {
				t.Fatalf("checkout of 1000 apples: HTTP %d, want 409", code)
			}
			synctest.Wait()
			spans := ordered(t, s.Recorder.Ended())
			// FailedPrecondition is the caller's problem: an error for the
			// client spans, not for the servers; an empty shelf is an
			// answer from a healthy database; a 409 is not a gateway fault.
			wantStatus(t, spans, [6]codes.Code{U, E, U, E, U, U}, "FailedPrecondition from the inventory")
			if ev := spans[5].Events(); len(ev) != 0 {
				t.Errorf("the database span has events %v; running out of stock is not an error to record", ev)
			}
		})
	})

	t.Run("database_down", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			s := NewShop(t, l, labkit.Bufconn, ShopOptions{})
			s.DB.Inject(0, errors.New("connection reset by peer"))
			if code := s.Checkout(t, "apple", "1", nil); code != http.StatusBadGateway {
				t.Fatalf("checkout with the database down: HTTP %d, want 502", code)
			}
			synctest.Wait()
			spans := ordered(t, s.Recorder.Ended())
			wantStatus(t, spans, [6]codes.Code{E, E, E, E, E, E}, "the database failed (Unavailable, HTTP 502)")
			db := spans[5]
			if ev := db.Events(); len(ev) != 1 || ev[0].Name != "exception" {
				t.Errorf("the database span's events = %v, want one \"exception\" (span.RecordError)", ev)
			}
			if !strings.Contains(db.Status().Description, "connection reset") {
				t.Errorf("the database span's status says %q; say what failed", db.Status().Description)
			}
		})
	})

	t.Run("incoming_traceparent", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			s := NewShop(t, l, labkit.Bufconn, ShopOptions{})
			s.Checkout(t, "apple", "1", http.Header{"Traceparent": {headers[0].h}})
			synctest.Wait()
			spans := ordered(t, s.Recorder.Ended())
			if got := spans[0].SpanContext().TraceID().String(); got != tid || spans[0].Parent().SpanID().String() != sid {
				t.Errorf("the gateway's span is in trace %s with parent %v; the HTTP caller sent traceparent %s: continue its trace", got, spans[0].Parent().SpanID(), headers[0].h)
			}
		})
	})

	t.Run("sampling", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			for _, tc := range []struct {
				ratios [3]float64
				header string
				want   int
				why    string
			}{
				{[3]float64{1e-12, 1, 1}, "", 0, "the gateway did not sample the trace: services downstream follow its decision"},
				{[3]float64{1, 1e-12, 1e-12}, "", 6, "the gateway sampled the trace: downstream ratios apply only to traces that start there"},
				{[3]float64{1, 1, 1}, "00-" + tid + "-" + sid + "-00", 0, "the HTTP caller said not sampled"},
			} {
				s := NewShop(t, l, labkit.Bufconn, ShopOptions{Ratios: tc.ratios})
				var h http.Header
				if tc.header != "" {
					h = http.Header{"Traceparent": {tc.header}}
				}
				s.Checkout(t, "apple", "1", h)
				synctest.Wait()
				if got := len(s.Recorder.Ended()); got != tc.want {
					t.Errorf("ratios %v, traceparent %q: %d spans recorded, want %d: %s", tc.ratios, tc.header, got, tc.want, tc.why)
				}
			}
		})
	})

	t.Run("loopback", func(t *testing.T) {
		// Real TCP and the real clock: the orders and inventory servers end
		// their spans a little after the gateway has its answer, so poll.
		s := NewShop(t, l, labkit.Loopback, ShopOptions{})
		if code := s.Checkout(t, "apple", "1", nil); code != http.StatusOK {
			t.Fatalf("checkout over TCP: HTTP %d", code)
		}
		deadline := time.Now().Add(30 * time.Second)
		for len(s.Recorder.Ended()) < len(chainSpans) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond) // polling a recorder, not synchronising goroutines
		}
		ordered(t, s.Recorder.Ended())
	})
}
