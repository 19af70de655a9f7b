package solution

import (
	"log/slog"

	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
)

// ServerOptions assembles the full chain, outermost first:
//
//   - logging: outermost, so it logs every call, also those auth refuses and
//     those that panic, and its request id is in the context of all others;
//   - metrics: outside auth, so refused calls are counted too (a spike of
//     Unauthenticated is worth an alert);
//   - auth: before any business code runs;
//   - recovery: innermost, right around the handler, so a panic becomes an
//     ordinary Internal error that logging and metrics see like any other.
//
// A panic inside the other interceptors is not caught here; they are small
// and tested. Some servers add a second recovery at the very outside.
func ServerOptions(logger *slog.Logger, now shared.Clock, auth *Auth, metrics *Metrics) []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.UnaryInterceptor(ChainUnary(
			UnaryLogging(logger, now),
			metrics.Unary(),
			auth.Unary(),
			UnaryRecovery(logger),
		)),
		grpc.StreamInterceptor(ChainStream(
			StreamLogging(logger, now),
			metrics.Stream(),
			auth.Stream(),
			StreamRecovery(logger),
		)),
	}
}
