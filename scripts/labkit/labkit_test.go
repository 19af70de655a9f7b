package labkit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/scripts/labkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// healthSrv is a real service with an unimplemented method (List is not
// implemented by the embedded default when we override Check only).
type healthSrv struct {
	healthpb.UnimplementedHealthServer
	err error
}

func (h healthSrv) Check(context.Context, *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	return nil, h.err
}

func TestIsTODO(t *testing.T) {
	todo := labkit.TODO("Server.GetUser")
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"the signal", todo, true},
		{"wrapped", fmt.Errorf("lookup: %w", todo), true},
		{"plain error", errors.New("boom"), false},
		{"other status", status.Error(codes.NotFound, "no"), false},
		{"generated default", status.Error(codes.Unimplemented, "method GetUser not implemented"), true},
		// A lab may use Unimplemented on purpose: only the two TODO shapes count.
		{"real unimplemented", status.Error(codes.Unimplemented, "compression gzip is not supported"), false},
	} {
		if got := labkit.IsTODO(tc.err); got != tc.want {
			t.Errorf("IsTODO(%s: %v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

// The signal must survive a real gRPC hop as Unimplemented, with its text.
func TestTODOOverGRPC(t *testing.T) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		s := labkit.Serve(t, tr, func(g *grpc.Server) {
			healthpb.RegisterHealthServer(g, healthSrv{err: labkit.TODO("Health.Check")})
		}, labkit.Options{})
		client := healthpb.NewHealthClient(s.Conn)

		_, err := client.Check(t.Context(), &healthpb.HealthCheckRequest{})
		if got := status.Code(err); got != codes.Unimplemented {
			t.Fatalf("code = %v, want Unimplemented (%v)", got, err)
		}
		if !labkit.IsTODO(err) {
			t.Fatalf("IsTODO(%v) = false after a gRPC hop", err)
		}
		step := labkit.Step{Lab: "ch00/demo", N: 3, What: "fallback"}
		want := "TODO: implement Health.Check (ch00/demo/README.md, step 3)"
		if got := step.Message(err); got != want {
			t.Fatalf("Message = %q, want %q", got, want)
		}

		// The generated default names no piece: the step's What is used.
		_, err = client.List(t.Context(), &healthpb.HealthListRequest{})
		if got := step.Message(err); got != "TODO: implement fallback (ch00/demo/README.md, step 3)" {
			t.Fatalf("Message for the generated default = %q", got)
		}
	})
}

// recorder captures what Check does to a test, without stopping the real one.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()           {}
func (r *recorder) Skip(args ...any)  { r.skipped = fmt.Sprint(args...); panic(r) }
func (r *recorder) Fatal(args ...any) { r.failed = fmt.Sprint(args...); panic(r) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	panic(r)
}

// run calls f with a recorder and recovers the recorder's own stop.
func run(f func(tb testing.TB)) (r *recorder) {
	r = &recorder{}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
	}()
	f(r)
	return r
}

func TestStepCheck(t *testing.T) {
	step := labkit.Step{Lab: "ch00/demo", N: 2, What: "Thing.Do"}
	msg := "TODO: implement Thing.Do (ch00/demo/README.md, step 2)"

	t.Run("fail mode", func(t *testing.T) {
		t.Setenv(labkit.ModeEnv, "")
		r := run(func(tb testing.TB) { step.Check(tb, labkit.TODO("Thing.Do")) })
		if r.failed != msg || r.skipped != "" {
			t.Fatalf("failed=%q skipped=%q, want a failure %q", r.failed, r.skipped, msg)
		}
	})
	t.Run("skip mode", func(t *testing.T) {
		t.Setenv(labkit.ModeEnv, "skip")
		r := run(func(tb testing.TB) { step.Check(tb, labkit.TODO("Thing.Do")) })
		if r.skipped != msg || r.failed != "" {
			t.Fatalf("failed=%q skipped=%q, want a skip %q", r.failed, r.skipped, msg)
		}
	})
	t.Run("other errors pass through", func(t *testing.T) {
		t.Setenv(labkit.ModeEnv, "skip")
		boom := errors.New("boom")
		var got error
		r := run(func(tb testing.TB) { got = step.Check(tb, boom) })
		if got != boom || r.failed != "" || r.skipped != "" {
			t.Fatalf("Check(boom) = %v (failed=%q skipped=%q); want boom returned untouched", got, r.failed, r.skipped)
		}
	})
	t.Run("require fails on other errors even in skip mode", func(t *testing.T) {
		t.Setenv(labkit.ModeEnv, "skip")
		r := run(func(tb testing.TB) { step.Require(tb, errors.New("boom")) })
		if !strings.Contains(r.failed, "boom") || r.skipped != "" {
			t.Fatalf("failed=%q skipped=%q; a real error must fail in CI mode too", r.failed, r.skipped)
		}
	})
}

// Serve's cleanup closes the client before stopping the server; with a
// health stream open, the wrong order would hang GracefulStop or leak.
func TestServeCleanupWithOpenStream(t *testing.T) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		t.Run("serve", func(t *testing.T) {
			hs := health.NewServer()
			s := labkit.Serve(t, tr, func(g *grpc.Server) { healthpb.RegisterHealthServer(g, hs) }, labkit.Options{})
			extra := s.Dial()
			stream, err := healthpb.NewHealthClient(extra).Watch(t.Context(), &healthpb.HealthCheckRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := stream.Recv(); err != nil {
				t.Fatal(err)
			}
			// Leave the stream open: Serve's cleanups must still finish.
		})
	})
}

// Inside a Bubble, time is fake: an hour of waiting costs nothing, and a
// gRPC call over bufconn still works.
func TestBubble(t *testing.T) {
	labkit.Bubble(t, func(t *testing.T) {
		start := time.Now()
		<-time.After(time.Hour)
		if got := time.Since(start); got != time.Hour {
			t.Fatalf("fake clock advanced %v, want exactly 1h", got)
		}
		s := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) {
			healthpb.RegisterHealthServer(g, health.NewServer())
		}, labkit.Options{})
		if _, err := healthpb.NewHealthClient(s.Conn).Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil {
			t.Fatalf("Check over bufconn in a bubble: %v", err)
		}
	})
}
