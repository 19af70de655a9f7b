package solution

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
)

// UnaryLogging logs one record per unary call, after it ends, and puts the
// call's request id in the context for everything inside it.
func UnaryLogging(logger *slog.Logger, now shared.Clock) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := now.Now()
		id := requestID(ctx)
		ctx = shared.ContextWithRequestID(ctx, id)
		resp, err := handler(ctx, req)
		logCall(ctx, logger, info.FullMethod, id, now.Now().Sub(start), err)
		return resp, err
	}
}

// StreamLogging is UnaryLogging for streams: the record is written when
// the handler returns, so the duration is the stream's whole life.
func StreamLogging(logger *slog.Logger, now shared.Clock) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := now.Now()
		id := requestID(ss.Context())
		ctx := shared.ContextWithRequestID(ss.Context(), id)
		err := handler(srv, withContext(ss, ctx))
		logCall(ctx, logger, info.FullMethod, id, now.Now().Sub(start), err)
		return err
	}
}

// requestID keeps the client's id when it is usable, so one id follows a
// request through every service it touches, and makes one up otherwise so
// that every log line can still be correlated.
func requestID(ctx context.Context) string {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get(shared.RequestIDHeader); len(v) > 0 && shared.ValidRequestID(v[0]) {
		return v[0]
	}
	return shared.NewRequestID()
}

func logCall(ctx context.Context, logger *slog.Logger, method, id string, d time.Duration, err error) {
	code, msg := codeOf(err)
	attrs := []slog.Attr{
		slog.String("grpc.method", method),
		slog.String("grpc.code", code.String()),
		// Milliseconds as a float: readable by people, exact for a test clock.
		slog.Float64("grpc.duration_ms", float64(d)/float64(time.Millisecond)),
		slog.String("peer.address", peerAddress(ctx)),
		slog.String("request_id", id),
	}
	if err != nil {
		attrs = append(attrs, slog.String("grpc.error", msg))
	}
	// LogAttrs with the call's context: a handler that reads trace ids from
	// the context (OpenTelemetry's slog bridge does) finds them there.
	logger.LogAttrs(ctx, levelFor(code), "finished call", attrs...)
}

func peerAddress(ctx context.Context) string {
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		return p.Addr.String()
	}
	return ""
}

// levelFor separates "the server is broken" from "the caller was told no":
// only the first should page anyone.
func levelFor(c codes.Code) slog.Level {
	switch c {
	case codes.OK:
		return slog.LevelInfo
	case codes.Unknown, codes.Internal, codes.DataLoss, codes.Unimplemented:
		return slog.LevelError
	default:
		return slog.LevelWarn
	}
}
