package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// guard bounds waits on things a broken server may never do.
const guard = 10 * time.Second

// syncBuffer is a bytes.Buffer the server's goroutines may write while the
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is one in-process userserver.
type server struct {
	addr   string
	stderr *syncBuffer
	stop   context.CancelFunc // the "signal"
	done   chan error         // what run/serve returned
}

// start runs fn (run or serve) in the background and waits for its
// "listening on" line. The cleanup signals it and waits for it to return.
func start(t *testing.T, fn func(ctx context.Context, stdout, stderr io.Writer) error) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &server{stderr: &syncBuffer{}, stop: cancel, done: make(chan error, 1)}
	go func() {
		err := fn(ctx, pw, s.stderr)
		pw.Close()
		s.done <- err
	}()
	addr := make(chan string, 1)
	go func() {
		defer close(addr)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				addr <- a
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		if err := s.wait(t); err != nil {
			t.Errorf("after the signal, the server returned %v, want nil (exit 0)", err)
		}
	})
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("the server exited before listening; stderr:\n%s", s.stderr)
		}
		s.addr = a
	case <-time.After(guard):
		t.Fatal(`no "listening on" line on stdout`)
	}
	return s
}

func (s *server) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-s.done:
		s.done <- err // keep it for the next wait
		return err
	case <-time.After(guard):
		t.Fatalf("the server did not return within %v of the signal", guard)
		return nil
	}
}

func startRun(t *testing.T, args ...string) *server {
	return start(t, func(ctx context.Context, stdout, stderr io.Writer) error {
		return run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), stdout, stderr)
	})
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() }) // registered after start: closes first
	return conn
}

func TestGetUser(t *testing.T) {
	s := startRun(t)
	users := userv1.NewUserServiceClient(dial(t, s.addr))

	resp, err := users.GetUser(t.Context(), &userv1.GetUserRequest{UserId: "42"})
	if err != nil || resp.GetName() != "Grace Hopper" || resp.GetAge() != 85 {
		t.Errorf("GetUser(42) = {%v}, %v; want the seeded Grace Hopper, 85", resp, err)
	}
	_, err = users.GetUser(t.Context(), &userv1.GetUserRequest{UserId: "404"})
	if st := status.Convert(err); st.Code() != codes.NotFound || !strings.Contains(st.Message(), "404") {
		t.Errorf("GetUser(404): %v; want NotFound naming the id", err)
	}
	_, err = users.GetUser(t.Context(), &userv1.GetUserRequest{})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("GetUser(\"\"): %v; want InvalidArgument", err)
	}

	// One log line per call, from the interceptor, written before the answer left.
	logs := s.stderr.String()
	for _, want := range []string{"method=/user.v1.UserService/GetUser", "peer=127.0.0.1:", "code=OK", "code=NotFound", "code=InvalidArgument", "duration="} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log has no %q; log:\n%s", want, logs)
		}
	}
}

func TestExerciseImpl(t *testing.T) {
	s := startRun(t, "-impl=exercise")
	_, err := userv1.NewUserServiceClient(dial(t, s.addr)).GetUser(t.Context(), &userv1.GetUserRequest{UserId: "42"})
	// Until the userservice exercise is done, this is its TODO; after, a user.
	if err != nil && status.Code(err) != codes.Unimplemented {
		t.Errorf("-impl=exercise GetUser(42): %v; want the user or the exercise's TODO (Unimplemented)", err)
	}
}

func TestHealth(t *testing.T) {
	s := startRun(t)
	h := healthpb.NewHealthClient(dial(t, s.addr))
	for _, svc := range []string{"", "user.v1.UserService"} {
		resp, err := h.Check(t.Context(), &healthpb.HealthCheckRequest{Service: svc})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("Health.Check(%q) = %v, %v; want SERVING", svc, resp.GetStatus(), err)
		}
	}
	_, err := h.Check(t.Context(), &healthpb.HealthCheckRequest{Service: "no.such.Service"})
	if status.Code(err) != codes.NotFound {
		t.Errorf("Health.Check(unknown service): %v; want NotFound", err)
	}
}

func TestReflection(t *testing.T) {
	s := startRun(t)
	stream, err := reflectionpb.NewServerReflectionClient(dial(t, s.addr)).ServerReflectionInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	req := &reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}
	if err := stream.Send(req); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, svc := range resp.GetListServicesResponse().GetService() {
		names = append(names, svc.GetName())
	}
	for _, want := range []string{"user.v1.UserService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"} {
		if !slices.Contains(names, want) {
			t.Errorf("reflection lists %v; want %s among them", names, want)
		}
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != io.EOF {
		t.Errorf("after CloseSend, Recv = %v, want io.EOF", err)
	}
}

// gatedService answers GetUser only when the test releases it.
type gatedService struct {
	userv1.UnimplementedUserServiceServer
	entered chan struct{}
	release chan struct{}
}

func (g *gatedService) GetUser(ctx context.Context, _ *userv1.GetUserRequest) (*userv1.GetUserResponse, error) {
	g.entered <- struct{}{}
	select {
	case <-g.release:
		return &userv1.GetUserResponse{Name: "finished after the signal", Age: 1}, nil
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	}
}

func TestShutdown(t *testing.T) {
	t.Run("graceful", func(t *testing.T) {
		g := &gatedService{entered: make(chan struct{}, 1), release: make(chan struct{})}
		s := start(t, func(ctx context.Context, stdout, stderr io.Writer) error {
			return serve(ctx, config{addr: "127.0.0.1:0", grace: time.Hour}, g, stdout, stderr)
		})
		conn := dial(t, s.addr)

		watchCtx, stopWatch := context.WithCancel(t.Context())
		defer stopWatch()
		watch, err := healthpb.NewHealthClient(conn).Watch(watchCtx, &healthpb.HealthCheckRequest{Service: "user.v1.UserService"})
		if err != nil {
			t.Fatal(err)
		}
		if r, err := watch.Recv(); err != nil || r.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("health Watch first said %v, %v; want SERVING", r.GetStatus(), err)
		}

		type result struct {
			resp *userv1.GetUserResponse
			err  error
		}
		call := make(chan result, 1)
		go func() {
			resp, err := userv1.NewUserServiceClient(conn).GetUser(t.Context(), &userv1.GetUserRequest{UserId: "1"})
			call <- result{resp, err}
		}()
		<-g.entered // the call is in flight

		s.stop() // SIGTERM
		if r, err := watch.Recv(); err != nil || r.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
			t.Fatalf("after the signal, health Watch said %v, %v; want NOT_SERVING before draining", r.GetStatus(), err)
		}
		stopWatch() // a watcher holding its stream open would hold GracefulStop too

		close(g.release)
		r := <-call
		if r.err != nil || r.resp.GetName() != "finished after the signal" {
			t.Errorf("the call in flight at the signal got {%v}, %v; GracefulStop lets it finish", r.resp, r.err)
		}
		if err := s.wait(t); err != nil {
			t.Errorf("serve returned %v after a graceful shutdown, want nil", err)
		}
		if logs := s.stderr.String(); !strings.Contains(logs, "shutting down") || strings.Contains(logs, "grace period over") {
			t.Errorf("want a graceful shutdown in the log, without cutting calls; log:\n%s", logs)
		}
	})

	t.Run("grace_expires", func(t *testing.T) {
		// A call that never finishes must not keep the process alive: after
		// -grace, Stop cuts it.
		g := &gatedService{entered: make(chan struct{}, 1), release: make(chan struct{})}
		s := start(t, func(ctx context.Context, stdout, stderr io.Writer) error {
			return serve(ctx, config{addr: "127.0.0.1:0", grace: 50 * time.Millisecond}, g, stdout, stderr)
		})
		conn := dial(t, s.addr)
		call := make(chan error, 1)
		go func() {
			_, err := userv1.NewUserServiceClient(conn).GetUser(t.Context(), &userv1.GetUserRequest{UserId: "1"})
			call <- err
		}()
		<-g.entered
		s.stop()
		if err := s.wait(t); err != nil {
			t.Errorf("serve returned %v, want nil", err)
		}
		if err := <-call; err == nil {
			t.Error("the stuck call succeeded; Stop should have cut it")
		}
		if logs := s.stderr.String(); !strings.Contains(logs, "grace period over") {
			t.Errorf("the log does not say the grace period ran out; log:\n%s", logs)
		}
	})
}

func TestBadFlags(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	for _, c := range []struct {
		args     []string
		exit     int
		contains string
	}{
		{[]string{"-bogus"}, 2, "-bogus"},
		{[]string{"-impl=nope"}, 2, "solution or exercise"},
		{[]string{"-grace=0s"}, 2, "-grace"},
		{[]string{"extra"}, 2, "extra"},
		{[]string{"-addr", busy.Addr().String()}, 1, "address already in use"},
		{[]string{"-addr", "not-an-address"}, 1, "listen"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), c.args, &stdout, &stderr)
		code := exitCode(err, &stderr)
		if code != c.exit || !strings.Contains(stderr.String(), c.contains) {
			t.Errorf("userserver %v: exit %d, stderr %q; want exit %d and a reason mentioning %q", c.args, code, stderr.String(), c.exit, c.contains)
		}
		if strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("userserver %v: stderr %q; want the reason on one line", c.args, stderr.String())
		}
	}

	var stderr bytes.Buffer
	if code := exitCode(run(t.Context(), []string{"-h"}, io.Discard, &stderr), io.Discard); code != 0 {
		t.Errorf("-h: exit %d, want 0", code)
	}
	if !strings.Contains(stderr.String(), "-impl") {
		t.Errorf("-h printed %q; want the flags", stderr.String())
	}
}
