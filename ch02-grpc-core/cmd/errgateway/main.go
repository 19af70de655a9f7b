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
// A trace id the caller sends is kept only when it is 1 to 64 characters of
// [A-Za-z0-9._-] (richerr.ValidTraceID, the interceptors lab's rule for
// request ids); anything else is replaced by a fresh id, which the
// response's x-trace-id header and the envelope's traceId then carry.
//
// Exit status: 0 after Ctrl-C, or -once when every answer was the one it
// demonstrates; 1 when it cannot serve or an answer was wrong; 2 for bad
// flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/errors/richerr"
	"github.com/grpclabs/labs/ch02-grpc-core/errors/solution"
	errlabv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/errlab/v1"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("errgateway", run) }

type config struct {
	http  string
	impl  string
	flaky int
	once  bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := demo.Flags("errgateway")
	fs.StringVar(&cfg.http, "http", "127.0.0.1:8080", "`host:port` for the HTTP gateway")
	impl := demo.ImplFlag(fs)
	fs.IntVar(&cfg.flaky, "flaky", 0, "the backend answers Unavailable to its first `N` calls")
	fs.BoolVar(&cfg.once, "once", false, "send a few requests through the gateway, print them, and exit")
	if err := demo.Parse(fs, args, "errgateway [-http host:port] [-impl solution|exercise] [-flaky N] [-once]", 0, stderr); err != nil {
		return cfg, err
	}
	if _, err := demo.Pick(*impl, 0, 0); err != nil {
		return cfg, err
	}
	if cfg.flaky < 0 {
		return cfg, demo.Usagef("-flaky must be 0 or more, got %d", cfg.flaky)
	}
	cfg.impl = *impl
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
	if impl == demo.Exercise {
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

// onceRequests are what -once sends, and the status each demonstrates.
var onceRequests = []struct {
	path, trace string
	want        int
}{
	{"/users/ada", "", http.StatusOK},
	{"/users/nobody", "abc123xyz", http.StatusNotFound},
	{"/users/Bad_Id", "t-42", http.StatusBadRequest},
	{"/users/nobody", strings.Repeat("x", 2000), http.StatusNotFound}, // replaced: too long to echo
}

func run(ctx context.Context, args []string, stdio demo.IO) error {
	cfg, err := parseFlags(args, stdio.Err)
	if err != nil {
		return err
	}
	out := demo.Locked(stdio.Out)
	users := []*errlabv1.User{
		{UserId: "ada", Name: "Ada Lovelace", Email: "ada@example.com"},
		{UserId: "grace", Name: "Grace Hopper", Email: "grace@example.com"},
	}
	l := pick(cfg.impl, users)

	// The gRPC backend, in this process, on a port of its own.
	conn, stop, err := demo.NetFrom(ctx).Serve(demo.Server{
		Register: func(g *grpc.Server) { errlabv1.RegisterUserServiceServer(g, l.server) },
		Options:  []grpc.ServerOption{grpc.UnaryInterceptor(flaky(cfg.flaky, out))},
	}, grpc.WithUnaryInterceptor(l.retry))
	if err != nil {
		return fmt.Errorf("the gRPC backend: %w", err)
	}
	defer stop()
	backendAddr := conn.Target()
	gw := l.gateway(errlabv1.NewUserServiceClient(conn))

	if cfg.once {
		fmt.Fprintf(out, "errgateway -once (impl=%s): %d requests through the gateway, gRPC backend on %s\n", cfg.impl, len(onceRequests), backendAddr)
		var failed []string
		for _, r := range onceRequests {
			req := httptest.NewRequestWithContext(ctx, http.MethodGet, r.path, nil)
			if r.trace != "" {
				req.Header.Set(richerr.TraceHeader, r.trace)
			}
			rec := httptest.NewRecorder()
			gw.ServeHTTP(rec, req)
			trace := r.trace
			if len(trace) > 20 {
				trace = fmt.Sprintf("%.12s… (%d bytes)", trace, len(trace))
			}
			if trace != "" {
				trace = " " + richerr.TraceHeader + ": " + trace
			}
			fmt.Fprintf(out, "GET %s%s → %d %s", r.path, trace, rec.Code, rec.Body.String())
			if rec.Code != r.want {
				failed = append(failed, fmt.Sprintf("GET %s: HTTP %d, want %d", r.path, rec.Code, r.want))
			}
		}
		if failed != nil {
			return errors.New(strings.Join(failed, "; "))
		}
		return nil
	}

	hl, err := demo.NetFrom(ctx).Listen(cfg.http)
	if err != nil {
		return fmt.Errorf("cannot listen for HTTP: %w", err)
	}
	hs := &http.Server{Handler: gw, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(out, "listening on %s (impl=%s, HTTP gateway, gRPC backend on %s; try: curl -i http://%s/users/nobody)\n", hl.Addr(), cfg.impl, backendAddr, hl.Addr())
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
