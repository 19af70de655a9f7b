package solution

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
)

// UnaryRecovery turns a panicking handler into an Internal error. Without
// it, grpc-go lets the panic escape the handler's goroutine, which ends
// the whole server process and every other call in flight.
func UnaryRecovery(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		// Named results: the deferred function replaces what the call returns.
		defer func() {
			if p := recover(); p != nil {
				resp, err = nil, recovered(ctx, logger, info.FullMethod, p)
			}
		}()
		return handler(ctx, req)
	}
}

// StreamRecovery does the same for streams. Messages the handler sent
// before it panicked have reached the client; the stream then ends with
// Internal.
func StreamRecovery(logger *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = recovered(ss.Context(), logger, info.FullMethod, p)
			}
		}()
		return handler(srv, ss)
	}
}

// recovered logs the panic with its stack and returns what the client
// gets. debug.Stack runs inside the deferred call, still on the panicking
// goroutine, so the stack shows the handler's frames. The panic value
// stays in the server's log: it may hold internals the client must not see.
func recovered(ctx context.Context, logger *slog.Logger, method string, p any) error {
	logger.LogAttrs(ctx, slog.LevelError, "panic recovered",
		slog.String("grpc.method", method),
		slog.String("panic", fmt.Sprint(p)),
		slog.String("stack", string(debug.Stack())),
		slog.String("request_id", shared.RequestIDFrom(ctx)),
	)
	return status.Error(codes.Internal, "internal error")
}
