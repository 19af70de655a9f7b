package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
)

// DefaultGrace is how long in-flight calls may run after a stop is asked
// for, when [Server.Grace] is zero.
const DefaultGrace = 10 * time.Second

// Server describes a program's gRPC server for [Serve].
type Server struct {
	// Addr is host:port to listen on; port 0 picks a free one. Ignored
	// when Listener is set.
	Addr     string
	Listener net.Listener
	// Register adds the program's services.
	Register func(*grpc.Server)
	// Options are extra server options (interceptors, credentials).
	Options []grpc.ServerOption
	// Services are the names the health service reports SERVING, besides
	// the whole server (""). A client with healthCheckConfig asks for one.
	Services []string
	// Grace bounds the drain on shutdown: GracefulStop waits for every open
	// stream, and a stream a client keeps open (a chat, a watch) never ends
	// by itself. After Grace the remaining calls are cut.
	Grace time.Duration
	// Out receives the "listening on ADDR" line tests and people wait for.
	Out io.Writer
	// Banner follows the address on that line, in parentheses: say which
	// implementation serves (impl=solution) and anything a user should
	// know at a glance.
	Banner string
	// Log receives the lifecycle lines (nil: none).
	Log *slog.Logger
	// Health, when set, receives the health server before serving starts,
	// so the program can change statuses while it runs.
	Health func(*health.Server)
}

// Serve listens, serves until ctx ends, then shuts down in the order that
// loses no call: health NOT_SERVING (balancers stop sending), GracefulStop
// (GOAWAY, in-flight calls finish), and after the grace period a hard Stop.
// It returns nil after a clean shutdown and an error when it cannot listen
// or the listener fails.
func Serve(ctx context.Context, s Server) error {
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	grace := s.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	lis := s.Listener
	if lis == nil {
		var err error
		if lis, err = net.Listen("tcp", s.Addr); err != nil {
			return fmt.Errorf("cannot listen: %w", err) // e.g. "address already in use"
		}
	}

	srv := grpc.NewServer(s.Options...)
	if s.Register != nil {
		s.Register(srv)
	}
	// Reflection lets grpcurl and Postman list and call the services
	// without the .proto files.
	reflection.Register(srv)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	for _, name := range s.Services {
		hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	if s.Health != nil {
		s.Health(hs)
	}

	if s.Out != nil {
		if s.Banner != "" {
			fmt.Fprintf(s.Out, "listening on %s (%s)\n", lis.Addr(), s.Banner)
		} else {
			fmt.Fprintf(s.Out, "listening on %s\n", lis.Addr())
		}
	}
	log.Info("serving", "addr", lis.Addr().String())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	log.Info("shutting down", "grace", grace)
	hs.Shutdown()
	stopped := make(chan struct{})
	go func() {
		srv.GracefulStop()
		close(stopped)
	}()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-stopped:
	case <-timer.C:
		log.Warn("grace period over; cutting the calls still running", "grace", grace)
		srv.Stop()
		<-stopped
	}
	<-served // Serve returns nil once stopped
	log.Info("stopped")
	return nil
}

// Start serves s in the background, for a program that is its own client:
// a demo that starts servers in its process, calls them and exits. It
// listens before it returns (on s.Listener, or s.Addr); stop then shuts the
// server down the way [Serve] does on a cancelled context, and returns
// Serve's error.
func Start(s Server) (lis net.Listener, stop func() error, err error) {
	if s.Listener == nil {
		if s.Listener, err = net.Listen("tcp", s.Addr); err != nil {
			return nil, nil, fmt.Errorf("cannot listen: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, s) }()
	var once sync.Once
	var serveErr error
	return s.Listener, func() error {
		once.Do(func() { cancel(); serveErr = <-done })
		return serveErr
	}, nil
}
