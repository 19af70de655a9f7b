package metricstest

import (
	"slices"
	"strings"
	"testing"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	ordersv1 "github.com/grpclabs/labs/ch04-governance/gen/orders/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// sameSeries checks the lab's registry and the provider's hold the same
// series for names.
func sameSeries(t *testing.T, ours, theirs prometheus.Gatherer, names ...string) {
	t.Helper()
	for _, name := range names {
		got, err := series(ours, name)
		if err != nil {
			t.Fatalf("gathering the lab's metrics: %v", err)
		}
		want, err := series(theirs, name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s differs from go-grpc-middleware's:\n  lab:      %s\n  provider: %s", name, strings.Join(got, "\n            "), strings.Join(want, "\n            "))
		}
	}
}

func wantSample(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string, want float64, why string) {
	t.Helper()
	if got, ok := sample(t, reg, name, labels); !ok || got != want {
		t.Errorf("%s%v = %v (present: %v), want %v: %s", name, labels, got, ok, want, why)
	}
}

// TestServerMetrics: step 1, the server's standard gRPC metrics.
func TestServerMetrics(t *testing.T, l Lab) {
	reg := prometheus.NewRegistry()
	_, err := l.NewServerMetrics(reg)
	step1.Require(t, err)
	if _, err := l.NewServerMetrics(reg); err == nil {
		t.Error("NewServerMetrics registered the same metrics twice in one registry without an error; return reg.Register's error")
	}

	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		ours := prometheus.NewRegistry()
		sm, _ := l.NewServerMetrics(ours)
		theirs := prometheus.NewRegistry()
		ref := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
		theirs.MustRegister(ref)
		s := labkit.Serve(t, tr, registerStock, labkit.Options{Server: []grpc.ServerOption{
			grpc.ChainUnaryInterceptor(ref.UnaryServerInterceptor(), sm.Unary()),
			grpc.ChainStreamInterceptor(ref.StreamServerInterceptor(), sm.Stream()),
		}})
		traffic(t, t.Context(), ordersv1.NewInventoryServiceClient(s.Conn), step1)
		sameSeries(t, ours, theirs, "grpc_server_started_total", "grpc_server_handled_total", "grpc_server_handling_seconds")
		const svc = "orders.v1.InventoryService"
		wantSample(t, ours, "grpc_server_handled_total", map[string]string{"grpc_type": "unary", "grpc_service": svc, "grpc_method": "Reserve", "grpc_code": "OK"}, 3, "3 reservations succeeded")
		wantSample(t, ours, "grpc_server_handled_total", map[string]string{"grpc_type": "unary", "grpc_service": svc, "grpc_method": "Reserve", "grpc_code": "FailedPrecondition"}, 2, "2 found too little stock")
		wantSample(t, ours, "grpc_server_handled_total", map[string]string{"grpc_type": "server_stream", "grpc_service": svc, "grpc_method": "WatchStock", "grpc_code": "Unimplemented"}, 1, "one stream failed")
		wantSample(t, ours, "grpc_server_started_total", map[string]string{"grpc_type": "server_stream", "grpc_service": svc, "grpc_method": "WatchStock"}, 2, "two streams started")
		wantSample(t, ours, "grpc_server_handling_seconds", map[string]string{"grpc_type": "unary", "grpc_service": svc, "grpc_method": "Reserve"}, 5, "every handled call is observed once")
	})
}

// TestClientMetrics: step 2, the same on the client side.
func TestClientMetrics(t *testing.T, l Lab) {
	reg := prometheus.NewRegistry()
	_, err := l.NewClientMetrics(reg)
	step2.Require(t, err)
	if _, err := l.NewClientMetrics(reg); err == nil {
		t.Error("NewClientMetrics registered the same metrics twice in one registry without an error")
	}
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		ours := prometheus.NewRegistry()
		cm, _ := l.NewClientMetrics(ours)
		theirs := prometheus.NewRegistry()
		ref := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram())
		theirs.MustRegister(ref)
		s := labkit.Serve(t, tr, registerStock, labkit.Options{Client: []grpc.DialOption{
			grpc.WithChainUnaryInterceptor(ref.UnaryClientInterceptor(), cm.Unary()),
			grpc.WithChainStreamInterceptor(ref.StreamClientInterceptor(), cm.Stream()),
		}})
		traffic(t, t.Context(), ordersv1.NewInventoryServiceClient(s.Conn), step2)
		sameSeries(t, ours, theirs, "grpc_client_started_total", "grpc_client_handled_total", "grpc_client_handling_seconds")
		const svc = "orders.v1.InventoryService"
		wantSample(t, ours, "grpc_client_handled_total", map[string]string{"grpc_type": "server_stream", "grpc_service": svc, "grpc_method": "WatchStock", "grpc_code": "OK"}, 1, "a stream read to io.EOF ended OK")
		wantSample(t, ours, "grpc_client_handled_total", map[string]string{"grpc_type": "server_stream", "grpc_service": svc, "grpc_method": "WatchStock", "grpc_code": "Unimplemented"}, 1, "a stream that ended with an error is handled with its code")
		wantSample(t, ours, "grpc_client_handled_total", map[string]string{"grpc_type": "unary", "grpc_service": svc, "grpc_method": "Reserve", "grpc_code": "FailedPrecondition"}, 2, "2 reservations failed")
	})
}
