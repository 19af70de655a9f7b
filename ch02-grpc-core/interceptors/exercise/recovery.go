package exercise

import (
	"context"
	"log/slog"

	"google.golang.org/grpc"

	"github.com/grpclabs/labs/scripts/labkit"
)

// UnaryRecovery turns a panicking handler into an Internal error.
//
// Step 6. Recover in a deferred function, log at ERROR one record
//
//	msg "panic recovered", grpc.method, panic (the value, as text),
//	stack (runtime/debug.Stack()), request_id (shared.RequestIDFrom)
//
// and return status Internal with a message that does not include the
// panic value.
func UnaryRecovery(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return nil, labkit.TODO("UnaryRecovery")
	}
}

// StreamRecovery does the same for streams.
func StreamRecovery(logger *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return labkit.TODO("StreamRecovery")
	}
}
