package exercise

import (
	"context"
	"log/slog"

	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
	"github.com/grpclabs/labs/scripts/labkit"
)

// UnaryLogging logs one record per unary call, after it ends, and puts the
// call's request id in the context for everything inside it.
//
// Step 1. The request id is the client's x-request-id when
// shared.ValidRequestID accepts it, otherwise shared.NewRequestID(). Put
// it in the handler's context with shared.ContextWithRequestID. Then log,
// at the level README.md gives for the code, one record:
//
//	msg "finished call", grpc.method, grpc.code, grpc.duration_ms (float,
//	measured with now), peer.address, request_id, and grpc.error (the
//	status message) when the call failed.
//
// codeOf (stream.go) gives the code and message for an error.
func UnaryLogging(logger *slog.Logger, now shared.Clock) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return nil, labkit.TODO("UnaryLogging")
	}
}

// StreamLogging is UnaryLogging for streams.
//
// Step 2. The handler reads its context from the stream, so hand it a
// wrapped grpc.ServerStream whose Context() carries the request id.
func StreamLogging(logger *slog.Logger, now shared.Clock) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return labkit.TODO("StreamLogging")
	}
}
