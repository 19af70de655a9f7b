package solution

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// wrappedStream is a grpc.ServerStream with a different context. A stream
// handler gets no context argument: it calls ss.Context(). So a stream
// interceptor that wants to hand something down (a request id, an
// identity) must give the handler a stream whose Context() returns the new
// context. Embedding keeps SendMsg, RecvMsg and the header methods.
type wrappedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (w *wrappedStream) Context() context.Context { return w.ctx }

// withContext wraps ss so that Context() returns ctx.
func withContext(ss grpc.ServerStream, ctx context.Context) grpc.ServerStream {
	return &wrappedStream{ServerStream: ss, ctx: ctx}
}

// codeOf is the status code a client will see for err. grpc-go sends a
// status error (or one wrapping it) as is, and maps any other error with
// status.FromContextError: context.Canceled becomes Canceled,
// context.DeadlineExceeded becomes DeadlineExceeded, the rest Unknown.
// Interceptors use the same rule so logs and metrics agree with the client.
func codeOf(err error) (codes.Code, string) {
	if err == nil {
		return codes.OK, ""
	}
	if s, ok := status.FromError(err); ok {
		return s.Code(), s.Message()
	}
	s := status.FromContextError(err)
	return s.Code(), s.Message()
}
