package grpcinternalstest

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	probev1 "github.com/grpclabs/labs/ch05-interview/gen/probe/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// handled is what the server side saw of one call.
type handled struct {
	deadline      time.Time
	hasDeadline   bool
	started, done time.Time
	ctxErr        error
	code          codes.Code
}

// recorder is a server interceptor that writes down, for every call, the
// deadline the handler got, when it ran, and how its context ended.
type recorder struct {
	mu    sync.Mutex
	calls []handled
}

func (r *recorder) intercept(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	var c handled
	c.deadline, c.hasDeadline = ctx.Deadline()
	c.started = time.Now()
	resp, err := h(ctx, req)
	c.done, c.ctxErr, c.code = time.Now(), ctx.Err(), status.Code(err)
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	return resp, err
}

func (r *recorder) last() handled {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		return handled{}
	}
	return r.calls[len(r.calls)-1]
}

// TestProbe: step 5, the probe server itself.
func TestProbe(t *testing.T, l Lab) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		s := labkit.Serve(t, tr, func(g *grpc.Server) { probev1.RegisterProbeServiceServer(g, l.NewProbe("p1")) }, labkit.Options{})
		c := probev1.NewProbeServiceClient(s.Conn)
		resp, err := c.Whoami(t.Context(), &probev1.WhoamiRequest{})
		step5.Require(t, err)
		if resp.GetBackend() != "p1" {
			t.Errorf("Whoami = %q, want p1", resp.GetBackend())
		}
		up, err := c.Upload(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{10, 0, 70_000} {
			if err := up.Send(&probev1.Chunk{Data: make([]byte, n)}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := up.CloseAndRecv()
		step5.Require(t, err)
		if got.GetBytes() != 70_010 {
			t.Errorf("Upload of 10, 0 and 70000 bytes counted %d", got.GetBytes())
		}
	})
}

// TestServerDeadline: step 5, what the server does with a call when the
// client's deadline passes, on the bubble's clock.
func TestServerDeadline(t *testing.T, l Lab) {
	probeBubble(t, func() error {
		_, err := l.NewProbe("x").Wait(t.Context(), &probev1.WaitRequest{})
		return err
	}, step5)
	labkit.Bubble(t, func(t *testing.T) {
		rec := &recorder{}
		s := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) { probev1.RegisterProbeServiceServer(g, l.NewProbe("p")) },
			labkit.Options{Server: []grpc.ServerOption{grpc.UnaryInterceptor(rec.intercept)}})
		c := probev1.NewProbeServiceClient(s.Conn)
		call := func(req *probev1.WaitRequest, timeout time.Duration) (codes.Code, time.Time, time.Duration) {
			ctx, cancel := context.WithTimeout(t.Context(), timeout)
			defer cancel()
			dl, _ := ctx.Deadline()
			start := time.Now()
			_, err := c.Wait(ctx, req)
			return status.Code(err), dl, time.Since(start)
		}

		code, _, took := call(&probev1.WaitRequest{Millis: 50}, 100*time.Millisecond)
		if code != codes.OK || took != 50*time.Millisecond {
			t.Errorf("Wait(50ms) with a 100ms deadline: %v after %v, want OK after 50ms", code, took)
		}

		code, deadline, took := call(&probev1.WaitRequest{Millis: 10_000}, 100*time.Millisecond)
		synctest.Wait()
		h := rec.last()
		t.Logf("Wait(10s), client deadline 100ms: client got %v after %v; the handler's deadline %v (client's %v), it returned %v after %v, its context ended with %v",
			code, took, h.deadline.Sub(h.started), deadline.Sub(h.started), h.code, h.done.Sub(h.started), h.ctxErr)
		if code != codes.DeadlineExceeded || took != 100*time.Millisecond {
			t.Errorf("the client got %v after %v, want DeadlineExceeded at its 100ms deadline", code, took)
		}
		if !h.hasDeadline || !h.deadline.Equal(deadline) {
			t.Errorf("the handler's context had deadline %v (set: %v), want the client's, %v: grpc-timeout carries it", h.deadline, h.hasDeadline, deadline)
		}
		// Two things end the handler's context at the deadline: its own
		// timer (DeadlineExceeded) and the transport closing the stream
		// (Canceled). Either may come first.
		ended := h.ctxErr == context.DeadlineExceeded || h.ctxErr == context.Canceled
		if h.done.Sub(h.started) != 100*time.Millisecond || !ended || h.code != status.FromContextError(h.ctxErr).Code() {
			t.Errorf("the handler returned %v after %v, its context ended with %v; a handler that watches its context returns the context's error at the deadline",
				h.code, h.done.Sub(h.started), h.ctxErr)
		}

		code, _, took = call(&probev1.WaitRequest{Millis: 300, IgnoreContext: true}, 100*time.Millisecond)
		synctest.Wait() // the handler is still running: wait for it
		time.Sleep(300 * time.Millisecond)
		synctest.Wait()
		h = rec.last()
		t.Logf("Wait(300ms, ignoring its context), client deadline 100ms: client got %v after %v; the handler ran %v and returned %v, its context had ended with %v",
			code, took, h.done.Sub(h.started), h.code, h.ctxErr)
		if code != codes.DeadlineExceeded || took != 100*time.Millisecond {
			t.Errorf("the client got %v after %v, want DeadlineExceeded at 100ms: it does not wait for a handler", code, took)
		}
		if h.done.Sub(h.started) != 300*time.Millisecond || h.code != codes.OK || h.ctxErr == nil {
			t.Errorf("the handler that ignores its context returned %v after %v with its context %v; want it to run all 300ms and return OK, its answer going nowhere",
				h.code, h.done.Sub(h.started), h.ctxErr)
		}
	})
}
