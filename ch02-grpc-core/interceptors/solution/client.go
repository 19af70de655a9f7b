package solution

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
)

// UnaryClientRequestID gives every call an x-request-id unless the caller
// already set one (for example a server passing its own id on to the next
// service). newID makes new ids; nil means shared.NewRequestID.
func UnaryClientRequestID(newID func() string) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return invoker(withRequestID(ctx, newID), method, req, reply, cc, opts...)
	}
}

// StreamClientRequestID does the same for streams.
func StreamClientRequestID(newID func() string) grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		return streamer(withRequestID(ctx, newID), desc, cc, method, opts...)
	}
}

func withRequestID(ctx context.Context, newID func() string) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx)
	if len(md.Get(shared.RequestIDHeader)) > 0 {
		return ctx // appending would send two ids; the caller's wins
	}
	if newID == nil {
		newID = shared.NewRequestID
	}
	return metadata.AppendToOutgoingContext(ctx, shared.RequestIDHeader, newID())
}

// UnaryClientTimeout gives a unary call a deadline d from now when the
// caller set none. A caller's deadline, longer or shorter, is kept: the
// caller knows its budget, the default only catches the calls that forgot.
// d <= 0 disables it.
func UnaryClientTimeout(d time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if _, ok := ctx.Deadline(); !ok && d > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel() // a unary call is over when invoker returns
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}
