package solution

import (
	"context"
	"slices"

	"google.golang.org/grpc"
)

// ChainUnary runs interceptors as one: the first is the outermost, it
// sees the call first and the result last, exactly like
// grpc.ChainUnaryInterceptor.
//
// Each interceptor's "handler" is a function that calls the next
// interceptor, and the last one's is the real handler. The functions are
// built per call from an index, so no state is shared between calls and
// an interceptor may call its handler more than once (a retry).
func ChainUnary(interceptors ...grpc.UnaryServerInterceptor) grpc.UnaryServerInterceptor {
	ics := slices.Clone(interceptors) // the caller may reuse its slice
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return unaryNext(ics, 0, info, handler)(ctx, req)
	}
}

// unaryNext returns the handler that interceptor i-1 calls.
func unaryNext(ics []grpc.UnaryServerInterceptor, i int, info *grpc.UnaryServerInfo, final grpc.UnaryHandler) grpc.UnaryHandler {
	if i == len(ics) {
		return final
	}
	return func(ctx context.Context, req any) (any, error) {
		return ics[i](ctx, req, info, unaryNext(ics, i+1, info, final))
	}
}

// ChainStream is ChainUnary for stream interceptors.
func ChainStream(interceptors ...grpc.StreamServerInterceptor) grpc.StreamServerInterceptor {
	ics := slices.Clone(interceptors)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return streamNext(ics, 0, info, handler)(srv, ss)
	}
}

func streamNext(ics []grpc.StreamServerInterceptor, i int, info *grpc.StreamServerInfo, final grpc.StreamHandler) grpc.StreamHandler {
	if i == len(ics) {
		return final
	}
	return func(srv any, ss grpc.ServerStream) error {
		return ics[i](srv, ss, info, streamNext(ics, i+1, info, final))
	}
}
