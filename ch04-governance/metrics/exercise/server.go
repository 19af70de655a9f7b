package exercise

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/grpclabs/labs/scripts/labkit"
)

// ServerMetrics counts a server's calls with the names Grafana's gRPC
// dashboards and go-grpc-middleware's provider use:
//
//   - grpc_server_started_total{grpc_type, grpc_service, grpc_method}
//   - grpc_server_handled_total{grpc_type, grpc_service, grpc_method, grpc_code}
//   - grpc_server_handling_seconds{grpc_type, grpc_service, grpc_method},
//     a histogram with prometheus.DefBuckets
//
// grpc_type is unary, client_stream, server_stream or bidi_stream;
// "/orders.v1.OrderService/PlaceOrder" is service orders.v1.OrderService,
// method PlaceOrder; grpc_code is the status code's String().
type ServerMetrics struct {
	// Step 1: your fields (the vectors).
}

// NewServerMetrics makes the three vectors and registers them with reg,
// returning Register's error (registering twice is an error).
//
// Step 1.
func NewServerMetrics(reg prometheus.Registerer) (*ServerMetrics, error) {
	return nil, labkit.TODO("NewServerMetrics")
}

// Unary is the unary server interceptor: count the start, call the
// handler, count the end with its code, observe the duration in seconds.
// (Step 3 adds an exemplar to each.)
func (s *ServerMetrics) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return nil, labkit.TODO("ServerMetrics.Unary")
	}
}

// Stream is the stream server interceptor: the same around the stream
// handler, with grpc_type from info.IsClientStream and info.IsServerStream.
func (s *ServerMetrics) Stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return labkit.TODO("ServerMetrics.Stream")
	}
}
