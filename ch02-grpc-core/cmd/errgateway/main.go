// Command errgateway runs the errors lab end to end on this machine: the
// gRPC UserService (errlab.v1) on a loopback port and, in front of it, the
// HTTP gateway that turns gRPC failures into the JSON error envelope
// {code, message, timestamp, traceId}. The gateway calls the backend
// through the lab's retry interceptor; -flaky N makes the backend answer
// Unavailable to its first N calls, so you can watch the retries succeed.
//
//	go run ./ch02-grpc-core/cmd/errgateway                  # HTTP on 127.0.0.1:8080
//	curl -i localhost:8080/users/ada
//	curl -i -H 'x-trace-id: abc123xyz' localhost:8080/users/nobody
//	curl -i localhost:8080/users/Bad_Id
//	go run ./ch02-grpc-core/cmd/errgateway -once -flaky 2   # a few requests, printed, then exit
//	go run ./ch02-grpc-core/cmd/errgateway -impl=exercise   # your errors lab code
//
// Exit status: 0 after Ctrl-C or -once, 1 when it cannot serve, 2 for bad flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/errors/richerr"
	"github.com/grpclabs/labs/ch02-grpc-core/errors/solution"
	errlabv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/errlab/v1"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &ue):
		fmt.Fprintf(os.Stderr, "errgateway: %v (run with -h for usage)\n", err)
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "errgateway: %v\n", err)
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

type config struct {
	http  string
	impl  string
	flaky int
	once  bool
}

func parseFlags(args []string, out io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("errgateway", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.http, "http", "127.0.0.1:8080", "`host:port` for the HTTP gateway")
	fs.StringVar(&cfg.impl, "impl", "solution", "whose errors lab code runs: solution or exercise")
	fs.IntVar(&cfg.flaky, "flaky", 0, "the backend answers Unavailable to its first `N` calls")
	fs.BoolVar(&cfg.once, "once", false, "send a few requests through the gateway, print them, and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(out)
			fmt.Fprintln(out, "usage: errgateway [-http host:port] [-impl solution|exercise] [-flaky N] [-once]")
			fs.PrintDefaults()
			return cfg, err
		}
		return cfg, &usageError{err.Error()}
	}
	switch {
	case fs.NArg() > 0:
		return cfg, &usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	case cfg.impl != "solution" && cfg.impl != "exercise":
		return cfg, &usageError{fmt.Sprintf("-impl must be solution or exercise, got %q", cfg.impl)}
	case cfg.flaky < 0:
		return cfg, &usageError{fmt.Sprintf("-flaky must be 0 or more, got %d", cfg.flaky)}
	}
	return cfg, nil
}

// lab is the set of functions -impl picks.
type lab struct {
	server  errlabv1.UserServiceServer
	gateway func(errlabv1.UserServiceClient) http.Handler
	retry   grpc.UnaryClientInterceptor
}

func pick(impl string, users []*errlabv1.User) lab {
	policy := richerr.DefaultRetryPolicy()
	if impl == "exercise" {
		return lab{exercise.NewServer(users), func(c errlabv1.UserServiceClient) http.Handler { return exercise.NewGateway(c, nil, nil) }, exercise.RetryInterceptor(policy)}
	}
	return lab{solution.NewServer(users), func(c errlabv1.UserServiceClient) http.Handler { return solution.NewGateway(c, nil, nil) }, solution.RetryInterceptor(policy)}
}

// flaky fails the first n calls with Unavailable and logs every attempt.
func flaky(n int, out io.Writer) grpc.UnaryServerInterceptor {
	var calls atomic.Int64
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		k := calls.Add(1)
		if k <= int64(n) {
			fmt.Fprintf(out, "  backend: call %d → Unavailable (scripted by -flaky)\n", k)
			return nil, status.Error(codes.Unavailable, "backend warming up")
		}
		fmt.Fprintf(out, "  backend: call %d → served\n", k)
		return handler(ctx, req)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	cfg, err := parseFlags(args, out)
	if err != nil {
		return err
	}
	users := []*errlabv1.User{
		{UserId: "ada", Name: "Ada Lovelace", Email: "ada@example.com"},
		{UserId: "grace", Name: "Grace Hopper", Email: "grace@example.com"},
	}
	l := pick(cfg.impl, users)

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("cannot listen for gRPC: %w", err)
	}
	g := grpc.NewServer(grpc.UnaryInterceptor(flaky(cfg.flaky, out)))
	errlabv1.RegisterUserServiceServer(g, l.server)
	go func() { _ = g.Serve(lis) }()
	defer g.Stop()

	conn, err := grpc.NewClient(lis.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUnaryInterceptor(l.retry))
	if err != nil {
		return err
	}
	defer conn.Close()
	gw := l.gateway(errlabv1.NewUserServiceClient(conn))

	if cfg.once {
		for _, r := range []struct{ path, trace string }{
			{"/users/ada", ""}, {"/users/nobody", "abc123xyz"}, {"/users/Bad_Id", "t-42"},
		} {
			req := httptest.NewRequestWithContext(ctx, http.MethodGet, r.path, nil)
			if r.trace != "" {
				req.Header.Set(richerr.TraceHeader, r.trace)
			}
			rec := httptest.NewRecorder()
			gw.ServeHTTP(rec, req)
			fmt.Fprintf(out, "GET %s → %d %s", r.path, rec.Code, rec.Body.String())
		}
		return nil
	}

	hl, err := net.Listen("tcp", cfg.http)
	if err != nil {
		return fmt.Errorf("cannot listen for HTTP: %w", err)
	}
	hs := &http.Server{Handler: gw, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(out, "gateway on http://%s (gRPC backend on %s); try: curl -i http://%s/users/nobody\n", hl.Addr(), lis.Addr(), hl.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(hl) }()
	select {
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return hs.Shutdown(shut)
	case err := <-errc:
		return err
	}
}
