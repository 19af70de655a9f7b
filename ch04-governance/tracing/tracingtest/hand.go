package tracingtest

import (
	"context"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	ordersv1 "github.com/grpclabs/labs/ch04-governance/gen/orders/v1"
	"github.com/grpclabs/labs/ch04-governance/shop"
	"github.com/grpclabs/labs/ch04-governance/tracing/handspan"
	"github.com/grpclabs/labs/scripts/labkit"
)

// mdCarrier lets OpenTelemetry's propagator read and write gRPC metadata.
type mdCarrier metadata.MD

func (c mdCarrier) Get(k string) string {
	if v := metadata.MD(c).Get(k); len(v) > 0 {
		return v[0]
	}
	return ""
}
func (c mdCarrier) Set(k, v string) { metadata.MD(c).Set(k, v) }
func (c mdCarrier) Keys() []string {
	var ks []string
	for k := range c {
		ks = append(ks, k)
	}
	return ks
}

// handChain is orders -> inventory with the lab's interceptors, and a
// client for the orders service that the test itself plays ("shop").
type handChain struct {
	rec    *handspan.Recorder
	orders ordersv1.OrderServiceClient
}

func newHandChain(t *testing.T, l Lab, tr labkit.Transport) handChain {
	t.Helper()
	rec := &handspan.Recorder{}
	inv := labkit.Serve(t, tr, func(g *grpc.Server) {
		ordersv1.RegisterInventoryServiceServer(g, &shop.Inventory{DB: shop.NewMemDB(map[string]int{"apple": 100})})
	}, labkit.Options{Server: []grpc.ServerOption{grpc.UnaryInterceptor(l.ServerInterceptor(rec, "inventory"))}})
	invConn := inv.Dial(grpc.WithUnaryInterceptor(l.ClientInterceptor(rec, "orders")))
	ord := labkit.Serve(t, tr, func(g *grpc.Server) {
		ordersv1.RegisterOrderServiceServer(g, &shop.Orders{Inventory: ordersv1.NewInventoryServiceClient(invConn)})
	}, labkit.Options{
		Server: []grpc.ServerOption{grpc.UnaryInterceptor(l.ServerInterceptor(rec, "orders"))},
		Client: []grpc.DialOption{grpc.WithUnaryInterceptor(l.ClientInterceptor(rec, "shop"))},
	})
	return handChain{rec: rec, orders: ordersv1.NewOrderServiceClient(ord.Conn)}
}

func (c handChain) place(t *testing.T, ctx context.Context) {
	t.Helper()
	_, err := c.orders.PlaceOrder(ctx, &ordersv1.PlaceOrderRequest{Item: "apple", Quantity: 1})
	step2.Require(t, err)
}

func describe(spans []handspan.Span) string {
	s := ""
	for _, sp := range spans {
		s += fmt.Sprintf("\n  %-9s %-6s %-36s %v parent %v", sp.Service, sp.Kind, sp.Name, sp.Context, sp.Parent)
	}
	return s
}

// TestHandInterceptors: step 2, one trace across two hops, by hand.
func TestHandInterceptors(t *testing.T, l Lab) {
	_, err := l.Parse(headers[0].h)
	step1.Require(t, err)
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		c := newHandChain(t, l, tr)
		root := handspan.SpanContext{TraceID: handspan.NewTraceID(), SpanID: handspan.NewSpanID(), Flags: handspan.FlagSampled}
		c.place(t, handspan.ContextWithSpan(t.Context(), root))
		spans := c.rec.Spans()
		// Finished innermost first: inventory's server span, orders' client
		// span, orders' server span, the shop's client span.
		want := []struct {
			service string
			kind    handspan.Kind
			name    string
		}{
			{"inventory", handspan.Server, "/orders.v1.InventoryService/Reserve"},
			{"orders", handspan.Client, "/orders.v1.InventoryService/Reserve"},
			{"orders", handspan.Server, "/orders.v1.OrderService/PlaceOrder"},
			{"shop", handspan.Client, "/orders.v1.OrderService/PlaceOrder"},
		}
		if len(spans) != len(want) {
			t.Fatalf("recorded %d spans, want 4 (a client and a server span per call):%s", len(spans), describe(spans))
		}
		parent := root
		for i := len(want) - 1; i >= 0; i-- {
			sp, w := spans[i], want[i]
			if sp.Service != w.service || sp.Kind != w.kind || sp.Name != w.name {
				t.Errorf("span %d is %s %s %s, want %s %s %s (spans are recorded when they end):%s", i, sp.Service, sp.Kind, sp.Name, w.service, w.kind, w.name, describe(spans))
			}
			if sp.Context.TraceID != root.TraceID || !sp.Context.IsValid() {
				t.Errorf("%s's %s span is in trace %v, want the caller's %x", sp.Service, sp.Kind, sp.Context, root.TraceID)
			}
			if sp.Parent != parent {
				t.Errorf("%s's %s span has parent %v, want %v (the span that called it)%s", sp.Service, sp.Kind, sp.Parent, parent, describe(spans))
			}
			parent = sp.Context
		}
		ids := map[[8]byte]bool{root.SpanID: true}
		for _, sp := range spans {
			if ids[sp.Context.SpanID] {
				t.Errorf("span id %x is used twice; every span needs a fresh one", sp.Context.SpanID)
			}
			ids[sp.Context.SpanID] = true
		}
	})

	t.Run("new_root", func(t *testing.T) {
		c := newHandChain(t, l, labkit.Bufconn)
		c.place(t, t.Context())
		spans := c.rec.Spans()
		if len(spans) != 4 {
			t.Fatalf("recorded %d spans, want 4:%s", len(spans), describe(spans))
		}
		first := spans[3]
		if first.Parent != (handspan.SpanContext{}) || !first.Context.IsValid() || !first.Context.Sampled() {
			t.Errorf("a call with no span in its context: the client span is %v with parent %v; want the root of a new, sampled trace", first.Context, first.Parent)
		}
		for _, sp := range spans {
			if sp.Context.TraceID != first.Context.TraceID {
				t.Errorf("%s's span is in trace %x, want the new trace %x", sp.Service, sp.Context.TraceID, first.Context.TraceID)
			}
		}
	})

	t.Run("not_sampled", func(t *testing.T) {
		c := newHandChain(t, l, labkit.Bufconn)
		c.place(t, handspan.ContextWithSpan(t.Context(), handspan.SpanContext{TraceID: handspan.NewTraceID(), SpanID: handspan.NewSpanID()}))
		if spans := c.rec.Spans(); len(spans) != 0 {
			t.Errorf("a trace the caller does not sample recorded %d spans; propagate the flags, record only sampled spans:%s", len(spans), describe(spans))
		}
	})

	t.Run("bad_incoming_headers", func(t *testing.T) {
		rec := &handspan.Recorder{}
		var seen [][]string
		inv := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) {
			ordersv1.RegisterInventoryServiceServer(g, &shop.Inventory{DB: shop.NewMemDB(map[string]int{"apple": 100})})
		}, labkit.Options{Server: []grpc.ServerOption{grpc.ChainUnaryInterceptor(
			func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
				seen = append(seen, metadata.ValueFromIncomingContext(ctx, "traceparent"))
				return h(ctx, req)
			}, l.ServerInterceptor(rec, "inventory"))}})
		client := ordersv1.NewInventoryServiceClient(inv.Conn)
		for _, md := range []metadata.MD{
			metadata.Pairs("traceparent", "00-"+tid+"-0000000000000000-01"),
			metadata.Pairs("traceparent", "garbage"),
			metadata.Pairs("traceparent", headers[0].h, "traceparent", "00-"+tid+"-"+sid+"-00"),
		} {
			_, err := client.Reserve(metadata.NewOutgoingContext(t.Context(), md), &ordersv1.ReserveRequest{Item: "apple", Quantity: 1})
			step2.Require(t, err)
		}
		for i, sp := range rec.Spans() {
			if sp.Parent != (handspan.SpanContext{}) || !sp.Context.Sampled() || !sp.Context.IsValid() {
				t.Errorf("incoming traceparent %s: the server span is %v, parent %v; an invalid or ambiguous header starts a new, sampled trace", seen[i], sp.Context, sp.Parent)
			}
		}
		if n := len(rec.Spans()); n != 3 {
			t.Errorf("recorded %d server spans, want 3", n)
		}

		// A traceparent already in the outgoing metadata is replaced, not
		// sent twice.
		seen = nil
		client = ordersv1.NewInventoryServiceClient(inv.Dial(grpc.WithUnaryInterceptor(l.ClientInterceptor(rec, "client"))))
		ctx := metadata.AppendToOutgoingContext(t.Context(), "traceparent", "00-"+tid+"-"+sid+"-01")
		_, err := client.Reserve(ctx, &ordersv1.ReserveRequest{Item: "apple", Quantity: 1})
		step2.Require(t, err)
		if len(seen) != 1 || len(seen[0]) != 1 || seen[0][0] == headers[0].h {
			t.Errorf("the server received traceparent %v; the client interceptor must set its own header, replacing one already in the outgoing metadata", seen)
		}
	})
}

// TestHandInterceptorsOtel: step 2, the hand-made header meets
// OpenTelemetry's propagator on the other side, both ways.
func TestHandInterceptorsOtel(t *testing.T, l Lab) {
	_, err := l.Parse(headers[0].h)
	step1.Require(t, err)
	rec := &handspan.Recorder{}

	// Ours -> OpenTelemetry's extraction on the server.
	var extracted trace.SpanContext
	inv := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) {
		ordersv1.RegisterInventoryServiceServer(g, &shop.Inventory{DB: shop.NewMemDB(map[string]int{"apple": 100})})
	}, labkit.Options{Server: []grpc.ServerOption{grpc.UnaryInterceptor(
		func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			md, _ := metadata.FromIncomingContext(ctx)
			extracted = trace.SpanContextFromContext(propagation.TraceContext{}.Extract(ctx, mdCarrier(md)))
			return h(ctx, req)
		})}})
	client := ordersv1.NewInventoryServiceClient(inv.Dial(grpc.WithUnaryInterceptor(l.ClientInterceptor(rec, "client"))))
	_, err = client.Reserve(t.Context(), &ordersv1.ReserveRequest{Item: "apple", Quantity: 1})
	step2.Require(t, err)
	if spans := rec.Spans(); len(spans) != 1 || !sameAsOtel(spans[0].Context, extracted) {
		t.Errorf("OpenTelemetry's propagator read %v from the client interceptor's header; the client span was %v", extracted, describe(spans))
	}

	// OpenTelemetry's injection -> ours on the server.
	rec2 := &handspan.Recorder{}
	inv2 := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) {
		ordersv1.RegisterInventoryServiceServer(g, &shop.Inventory{DB: shop.NewMemDB(map[string]int{"apple": 100})})
	}, labkit.Options{Server: []grpc.ServerOption{grpc.UnaryInterceptor(l.ServerInterceptor(rec2, "inventory"))}})
	osc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID(handspan.NewTraceID()), SpanID: trace.SpanID(handspan.NewSpanID()), TraceFlags: trace.FlagsSampled})
	md := metadata.MD{}
	propagation.TraceContext{}.Inject(trace.ContextWithSpanContext(t.Context(), osc), mdCarrier(md))
	_, err = ordersv1.NewInventoryServiceClient(inv2.Conn).Reserve(metadata.NewOutgoingContext(t.Context(), md), &ordersv1.ReserveRequest{Item: "apple", Quantity: 1})
	step2.Require(t, err)
	if spans := rec2.Spans(); len(spans) != 1 || !sameAsOtel(spans[0].Parent, osc) || spans[0].Context.TraceID != [16]byte(osc.TraceID()) {
		t.Errorf("OpenTelemetry sent %v; the server span recorded:%s\nwant a child of it in the same trace", osc, describe(spans))
	}
}
