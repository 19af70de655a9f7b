package exercise

import (
	"context"

	"github.com/grpclabs/labs/scripts/labkit"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
)

// ClientMetrics counts a client's calls: grpc_client_started_total,
// grpc_client_handled_total and grpc_client_handling_seconds, with the
// same labels.
type ClientMetrics struct {
	// Step 2: your fields. (Share the code with ServerMetrics: only the
	// names' prefix differs.)
}

// NewClientMetrics makes and registers the client's vectors.
//
// Step 2.
func NewClientMetrics(reg prometheus.Registerer) (*ClientMetrics, error) {
	return nil, labkit.TODO("NewClientMetrics")
}

// Unary is the unary client interceptor.
func (c *ClientMetrics) Unary() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return labkit.TODO("ClientMetrics.Unary")
	}
}

// Stream is the stream client interceptor: a stream is handled when its
// RecvMsg returns io.EOF (code OK) or an error (its code), once; wrap the
// grpc.ClientStream to see it. grpc_type comes from desc.
func (c *ClientMetrics) Stream() grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		return nil, labkit.TODO("ClientMetrics.Stream")
	}
}
