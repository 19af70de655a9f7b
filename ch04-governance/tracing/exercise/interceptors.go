package exercise

import (
	"context"

	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch04-governance/tracing/handspan"
	"github.com/grpclabs/labs/scripts/labkit"
)

// UnaryClientInterceptor makes a client span for each call: a child of the
// current span in ctx (handspan.FromContext; same trace id and flags, a
// fresh span id), or, when there is none, the root of a new, sampled trace.
// It sends the span to the server as the traceparent header, replacing any
// traceparent already in the outgoing metadata, and records it in rec when
// the call ends, if the trace is sampled.
//
// Step 2.
func UnaryClientInterceptor(rec *handspan.Recorder, service string) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return labkit.TODO("UnaryClientInterceptor")
	}
}

// UnaryServerInterceptor makes a server span for each call: a child of the
// caller's span when the call carries exactly one valid traceparent, else
// the root of a new, sampled trace (the header is untrusted input). The
// handler's context carries it (handspan.ContextWithSpan), so calls the
// handler makes continue the trace; record it in rec when the handler
// returns, if sampled.
//
// Step 2.
func UnaryServerInterceptor(rec *handspan.Recorder, service string) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return nil, labkit.TODO("UnaryServerInterceptor")
	}
}
