// Command userserver serves chapter 1's user.v1.UserService over gRPC, the
// way a production service starts and stops: it seeds a few users (ids 1, 2
// and 42), registers server reflection (so grpcurl can list and describe
// it) and the standard health service, logs every call with log/slog from
// an interceptor, and on SIGINT or SIGTERM reports NOT_SERVING, lets the
// calls in flight finish (GracefulStop), and cuts them after -grace.
//
//	go run ./ch01-overview/cmd/userserver                  # 127.0.0.1:50051
//	go run ./ch01-overview/cmd/userserver -impl=exercise   # your userservice code
//	grpcurl -plaintext -d '{"user_id":"42"}' 127.0.0.1:50051 user.v1.UserService/GetUser
//
// Stop it with Ctrl-C; a second Ctrl-C stops it at once. To run it in the
// background, build it first, so that kill signals the server and not the
// go command (a server started by go run only notices within a second that
// go run is gone):
//
//	go build -o bin/ ./ch01-overview/cmd/...
//	bin/userserver &
//	kill %1
//
// Exit status: 0 after a clean shutdown, 1 when it cannot serve (the port
// is taken), 2 for bad flags.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
	"github.com/grpclabs/labs/ch01-overview/userservice/exercise"
	"github.com/grpclabs/labs/ch01-overview/userservice/solution"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("userserver", run) }

// config is what the flags say.
type config struct {
	addr  string
	impl  string
	grace time.Duration
}

// seed is the store the server starts with.
func seed() map[string]*userv1.GetUserResponse {
	return map[string]*userv1.GetUserResponse{
		"1":  {Name: "Ada Lovelace", Age: 36},
		"2":  {Name: "Alan Turing", Age: 41},
		"42": {Name: "Grace Hopper", Age: 85},
	}
}

// run is main without the process: tests call it with their own context
// (cancelling it is the signal), arguments and streams.
func run(ctx context.Context, args []string, stdio demo.IO) error {
	var cfg config
	fs := demo.Flags("userserver")
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:50051", "`host:port` to listen on (port 0 picks a free one)")
	impl := demo.ImplFlag(fs)
	fs.DurationVar(&cfg.grace, "grace", demo.DefaultGrace, "on shutdown, how long in-flight calls may take before they are cut")
	if err := demo.Parse(fs, args, "userserver [-addr host:port] [-impl solution|exercise] [-grace duration]", 0, stdio.Err); err != nil {
		return err
	}
	if cfg.grace <= 0 {
		return demo.Usagef("-grace must be positive, got %v", cfg.grace)
	}
	svc, err := demo.Pick[userv1.UserServiceServer](*impl, solution.NewServer(seed()), exercise.NewServer(seed()))
	if err != nil {
		return err
	}
	cfg.impl = *impl
	return serve(ctx, cfg, svc, stdio)
}

// serve serves svc until ctx ends, then shuts down gracefully (see
// demo.Serve). Tests call it directly to serve a service they control.
func serve(ctx context.Context, cfg config, svc userv1.UserServiceServer, stdio demo.IO) error {
	log := slog.New(slog.NewTextHandler(stdio.Err, nil))
	name := userv1.UserService_ServiceDesc.ServiceName
	return demo.Serve(ctx, demo.Server{
		Addr:     cfg.addr,
		Register: func(s *grpc.Server) { userv1.RegisterUserServiceServer(s, svc) },
		Options: []grpc.ServerOption{
			grpc.ChainUnaryInterceptor(logUnary(log)),
			grpc.ChainStreamInterceptor(logStream(log)),
		},
		Services: []string{name},
		Grace:    cfg.grace,
		Out:      stdio.Out,
		Banner:   fmt.Sprintf("impl=%s, %s, %d users", cfg.impl, name, len(seed())),
		Log:      log,
	})
}

func peerAddr(ctx context.Context) string {
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		return p.Addr.String()
	}
	return "unknown"
}

// logUnary logs one line per unary call: the method, who called, the
// status code and how long it took.
func logUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		logCall(ctx, log, info.FullMethod, err, time.Since(start))
		return resp, err
	}
}

// logStream does the same for streams (reflection, health Watch).
func logStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		err := handler(srv, ss)
		logCall(ss.Context(), log, info.FullMethod, err, time.Since(start))
		return err
	}
}

func logCall(ctx context.Context, log *slog.Logger, method string, err error, d time.Duration) {
	code := status.Code(err)
	level := slog.LevelInfo
	switch code {
	case codes.Internal, codes.Unknown, codes.DataLoss, codes.Unimplemented:
		// The server's fault: worth a look. NotFound and InvalidArgument
		// are the caller's, and normal traffic.
		level = slog.LevelWarn
	}
	log.LogAttrs(ctx, level, "rpc",
		slog.String("method", method),
		slog.String("peer", peerAddr(ctx)),
		slog.String("code", code.String()),
		slog.Duration("duration", d),
	)
}
