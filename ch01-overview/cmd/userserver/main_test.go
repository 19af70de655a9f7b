package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"slices"
	"strings"
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
	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startRun starts the program with a free port and the test's arguments.
func startRun(t *testing.T, args ...string) *demotest.Program {
	return demotest.Start(t, run, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
}

// startServe serves svc as the program would, with grace.
func startServe(t *testing.T, svc userv1.UserServiceServer, grace time.Duration) *demotest.Program {
	return demotest.Start(t, func(ctx context.Context, _ []string, stdio demo.IO) error {
		return serve(ctx, config{addr: "127.0.0.1:0", impl: "test", grace: grace}, svc, stdio)
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
	if want := "listening on " + s.Addr + " (impl=solution, user.v1.UserService, 3 users)\n"; s.Stdout.String() != want {
		t.Errorf("stdout %q, want %q", s.Stdout, want)
	}
	users := userv1.NewUserServiceClient(dial(t, s.Addr))

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
	logs := s.Stderr.String()
	for _, want := range []string{"method=/user.v1.UserService/GetUser", "peer=127.0.0.1:", "code=OK", "code=NotFound", "code=InvalidArgument", "duration="} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log has no %q; log:\n%s", want, logs)
		}
	}
}

func TestExerciseImpl(t *testing.T) {
	s := startRun(t, "-impl=exercise")
	if !strings.Contains(s.Stdout.String(), "(impl=exercise,") {
		t.Errorf("stdout %q; want the listening line to say impl=exercise", s.Stdout)
	}
	_, err := userv1.NewUserServiceClient(dial(t, s.Addr)).GetUser(t.Context(), &userv1.GetUserRequest{UserId: "42"})
	// Until the userservice exercise is done, this is its TODO; after, a user.
	if err != nil && status.Code(err) != codes.Unimplemented {
		t.Errorf("-impl=exercise GetUser(42): %v; want the user or the exercise's TODO (Unimplemented)", err)
	}
}

func TestHealth(t *testing.T) {
	s := startRun(t)
	h := healthpb.NewHealthClient(dial(t, s.Addr))
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
	stream, err := reflectionpb.NewServerReflectionClient(dial(t, s.Addr)).ServerReflectionInfo(t.Context())
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
		s := startServe(t, g, time.Hour)
		conn := dial(t, s.Addr)

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

		s.Signal() // SIGTERM
		if r, err := watch.Recv(); err != nil || r.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
			t.Fatalf("after the signal, health Watch said %v, %v; want NOT_SERVING before draining", r.GetStatus(), err)
		}
		stopWatch() // a watcher holding its stream open would hold GracefulStop too

		close(g.release)
		r := <-call
		if r.err != nil || r.resp.GetName() != "finished after the signal" {
			t.Errorf("the call in flight at the signal got {%v}, %v; GracefulStop lets it finish", r.resp, r.err)
		}
		if err := s.Wait(t); err != nil {
			t.Errorf("serve returned %v after a graceful shutdown, want nil", err)
		}
		if logs := s.Stderr.String(); !strings.Contains(logs, "shutting down") || strings.Contains(logs, "grace period over") {
			t.Errorf("want a graceful shutdown in the log, without cutting calls; log:\n%s", logs)
		}
	})

	t.Run("grace_expires", func(t *testing.T) {
		// A call that never finishes must not keep the process alive: after
		// -grace, Stop cuts it.
		g := &gatedService{entered: make(chan struct{}, 1), release: make(chan struct{})}
		s := startServe(t, g, 50*time.Millisecond)
		conn := dial(t, s.Addr)
		call := make(chan error, 1)
		go func() {
			_, err := userv1.NewUserServiceClient(conn).GetUser(t.Context(), &userv1.GetUserRequest{UserId: "1"})
			call <- err
		}()
		<-g.entered
		s.Signal()
		if err := s.Wait(t); err != nil {
			t.Errorf("serve returned %v, want nil", err)
		}
		if err := <-call; err == nil {
			t.Error("the stuck call succeeded; Stop should have cut it")
		}
		if logs := s.Stderr.String(); !strings.Contains(logs, "grace period over") {
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
		_, _, err := demotest.Run(t.Context(), run, "", c.args...)
		var stderr bytes.Buffer
		code := demo.ExitCode("userserver", err, &stderr)
		if code != c.exit || !strings.Contains(stderr.String(), c.contains) {
			t.Errorf("userserver %v: exit %d, stderr %q; want exit %d and a reason mentioning %q", c.args, code, stderr.String(), c.exit, c.contains)
		}
		if strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("userserver %v: stderr %q; want the reason on one line", c.args, stderr.String())
		}
	}

	_, stderr, err := demotest.Run(t.Context(), run, "", "-h")
	if code := demo.ExitCode("userserver", err, io.Discard); code != 0 {
		t.Errorf("-h: exit %d, want 0", code)
	}
	if !strings.Contains(stderr, "-impl") {
		t.Errorf("-h printed %q; want the flags", stderr)
	}
}
