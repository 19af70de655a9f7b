package exercise

import (
	"context"
	"log/slog"

	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
	"github.com/grpclabs/labs/scripts/labkit"
)

// ServerOptions assembles the full chain for unary and stream calls:
// logging, metrics, auth and recovery, chained with your ChainUnary and
// ChainStream.
//
// Step 9. The order is the lesson: which interceptor must see the calls
// auth refuses? Which must see a panic as an ordinary Internal error?
func ServerOptions(logger *slog.Logger, now shared.Clock, auth *Auth, metrics *Metrics) []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.UnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
			return nil, labkit.TODO("ServerOptions")
		}),
		grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
			return labkit.TODO("ServerOptions")
		}),
	}
}
