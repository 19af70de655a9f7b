package exercise

import (
	"context"
	"time"

	"google.golang.org/grpc"

	"github.com/grpclabs/labs/scripts/labkit"
)

// UnaryClientRequestID gives every call an x-request-id
// (shared.RequestIDHeader) unless the caller already set one. newID makes
// new ids; nil means shared.NewRequestID.
//
// Step 7.
func UnaryClientRequestID(newID func() string) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return labkit.TODO("UnaryClientRequestID")
	}
}

// StreamClientRequestID does the same for streams.
//
// Step 7.
func StreamClientRequestID(newID func() string) grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		return nil, labkit.TODO("StreamClientRequestID")
	}
}

// UnaryClientTimeout gives a unary call a deadline d from now when the
// caller set none; a caller's deadline, longer or shorter, is kept.
// d <= 0 disables it.
//
// Step 7.
func UnaryClientTimeout(d time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return labkit.TODO("UnaryClientTimeout")
	}
}
