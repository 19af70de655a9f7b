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
// Exit status: 0 after a clean shutdown, 1 when it cannot serve (the port
// is taken), 2 for bad flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
	"github.com/grpclabs/labs/ch01-overview/userservice/exercise"
	"github.com/grpclabs/labs/ch01-overview/userservice/solution"
)

func main() {
	// The first SIGINT/SIGTERM cancels ctx and starts the graceful shutdown;
	// stop() restores the default, so a second Ctrl-C kills at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// config is what the flags say.
type config struct {
	addr  string
	impl  string
	grace time.Duration
}

// usageError is a bad command line: exit status 2, like the flag package.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// exitCode reports err (if any) on stderr and picks the exit status.
func exitCode(err error, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "userserver: %v (run with -h for usage)\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "userserver: %v\n", err)
		return 1
	}
}

// seed is the store the server starts with.
func seed() map[string]*userv1.GetUserResponse {
	return map[string]*userv1.GetUserResponse{
		"1":  {Name: "Ada Lovelace", Age: 36},
		"2":  {Name: "Alan Turing", Age: 41},
		"42": {Name: "Grace Hopper", Age: 85},
	}
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("userserver", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by exitCode
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:50051", "`host:port` to listen on (port 0 picks a free one)")
	fs.StringVar(&cfg.impl, "impl", "solution", "whose userservice code serves: solution or exercise")
	fs.DurationVar(&cfg.grace, "grace", 10*time.Second, "on shutdown, how long in-flight calls may take before they are cut")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintln(stderr, "usage: userserver [-addr host:port] [-impl solution|exercise] [-grace duration]")
			fs.PrintDefaults()
			return cfg, err
		}
		return cfg, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return cfg, &usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if cfg.grace <= 0 {
		return cfg, &usageError{fmt.Sprintf("-grace must be positive, got %v", cfg.grace)}
	}
	return cfg, nil
}

// newService builds the UserService for -impl.
func newService(impl string) (userv1.UserServiceServer, error) {
	switch impl {
	case "solution":
		return solution.NewServer(seed()), nil
	case "exercise":
		return exercise.NewServer(seed()), nil
	}
	return nil, &usageError{fmt.Sprintf("-impl must be solution or exercise, got %q", impl)}
}

// run is main without the process: tests call it with their own context
// (cancelling it is the signal), arguments and writers.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	svc, err := newService(cfg.impl)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, svc, stdout, stderr)
}

// serve listens, serves svc until ctx ends, then shuts down gracefully.
// Tests call it directly to serve a service they control.
func serve(ctx context.Context, cfg config, svc userv1.UserServiceServer, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	lis, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("cannot listen: %w", err) // e.g. "address already in use"
	}

	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(logUnary(log)),
		grpc.ChainStreamInterceptor(logStream(log)),
	)
	userv1.RegisterUserServiceServer(srv, svc)
	// Reflection lets tools (grpcurl, Postman) discover the services and
	// message types without the .proto files.
	reflection.Register(srv)
	// The standard health service: load balancers and Kubernetes probes ask
	// it, per service name or "" for the whole server.
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus(userv1.UserService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)

	// The actual address, so ":0" is usable by tests and humans alike.
	fmt.Fprintf(stdout, "listening on %s\n", lis.Addr())
	log.Info("serving", "addr", lis.Addr().String(), "service", userv1.UserService_ServiceDesc.ServiceName, "users", len(seed()))

	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err) // the listener failed under us
	case <-ctx.Done():
	}

	// Tell the health watchers first, so load balancers stop sending new
	// calls, then drain: GracefulStop refuses new streams (GOAWAY) and waits
	// for the running ones.
	log.Info("shutting down", "grace", cfg.grace)
	hs.Shutdown()
	stopped := make(chan struct{})
	go func() {
		srv.GracefulStop()
		close(stopped)
	}()
	timer := time.NewTimer(cfg.grace)
	defer timer.Stop()
	select {
	case <-stopped:
	case <-timer.C:
		// A stuck handler, or a client holding a stream open (a health
		// Watch, say), would keep GracefulStop waiting forever.
		log.Warn("grace period over; cutting the calls still running", "grace", cfg.grace)
		srv.Stop()
		<-stopped
	}
	<-served // Serve returns nil once stopped
	log.Info("stopped")
	return nil
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
