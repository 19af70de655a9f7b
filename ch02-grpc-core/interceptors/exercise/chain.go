package exercise

import (
	"context"

	"google.golang.org/grpc"

	"github.com/grpclabs/labs/scripts/labkit"
)

// ChainUnary runs interceptors as one, in the order
// grpc.ChainUnaryInterceptor runs them: the first is the outermost.
//
// Step 8. Each interceptor gets a "handler" that calls the next one; the
// last one gets the real handler.
func ChainUnary(interceptors ...grpc.UnaryServerInterceptor) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return nil, labkit.TODO("ChainUnary")
	}
}

// ChainStream is ChainUnary for stream interceptors.
//
// Step 8.
func ChainStream(interceptors ...grpc.StreamServerInterceptor) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return labkit.TODO("ChainStream")
	}
}
