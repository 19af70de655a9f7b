// Package deadlinestest is the deadlines lab's suite. The exercise and the
// solution both run it through their one-screen *_test.go files.
//
// The three hops are real gRPC servers. Everything that depends on time
// runs them over bufconn inside a testing/synctest bubble, where the clock
// is fake and exact: "C saw 800ms of budget" and "every job stopped at the
// instant the client cancelled" are precise assertions that never flake.
// One test per behaviour also runs over loopback TCP, outside a bubble.
package deadlinestest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	hopv1 "github.com/grpclabs/labs/ch03-concurrency/gen/hop/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch03-concurrency/deadlines"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "request ids"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "Budget"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "Hop.Call"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "Hop.Call (cancellation)"}
	step5 = labkit.Step{Lab: lab, N: 5, What: "Hop.Call (audit)"}
)

// echo is a HopService that reports what reached it: the raw header and
// the id the lab's server interceptor put in the context.
type echo struct {
	hopv1.UnimplementedHopServiceServer
	lab Lab
}

func (e echo) Call(ctx context.Context, _ *hopv1.CallRequest) (*hopv1.CallResponse, error) {
	id, _ := e.lab.RequestID(ctx)
	raw := strings.Join(metadata.ValueFromIncomingContext(ctx, "x-request-id"), ",")
	return &hopv1.CallResponse{Hops: []*hopv1.HopTrace{{Hop: "echo", RequestId: id, Rows: raw}}}, nil
}

// TestRequestID: step 1, a request id in the context and on the wire.
func TestRequestID(t *testing.T, l Lab) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		s := labkit.Serve(t, tr, func(g *grpc.Server) { hopv1.RegisterHopServiceServer(g, echo{lab: l}) }, labkit.Options{
			Server: []grpc.ServerOption{grpc.UnaryInterceptor(l.ServerInterceptor())},
			Client: []grpc.DialOption{grpc.WithUnaryInterceptor(l.ClientInterceptor())},
		})
		client := hopv1.NewHopServiceClient(s.Conn)
		call := func(ctx context.Context) *hopv1.HopTrace {
			t.Helper()
			resp, err := client.Call(ctx, &hopv1.CallRequest{})
			step1.Require(t, err)
			return resp.GetHops()[0]
		}

		got := call(l.WithRequestID(t.Context(), "req-42"))
		if got.GetRows() != "req-42" {
			t.Errorf("the server received x-request-id %q, want %q: the client interceptor copies the id from the context into outgoing metadata", got.GetRows(), "req-42")
		}
		if got.GetRequestId() != "req-42" {
			t.Errorf("the handler's RequestID(ctx) = %q, want %q: the server interceptor puts the incoming id into the context", got.GetRequestId(), "req-42")
		}

		first, second := call(t.Context()).GetRequestId(), call(t.Context()).GetRequestId()
		if first == "" || first == second {
			t.Errorf("two requests without an id were given %q and %q; each needs a fresh, non-empty one", first, second)
		}

		// The header is untrusted input that ends up in logs.
		for _, bad := range []string{"has space", "semi;colon", "a/b", strings.Repeat("a", 65)} {
			ctx := metadata.AppendToOutgoingContext(t.Context(), "x-request-id", bad)
			if id := call(ctx).GetRequestId(); id == bad || id == "" {
				t.Errorf("an incoming id %q was kept as %q; accept only 1-64 characters from [A-Za-z0-9._:-] and replace anything else with a fresh id", bad, id)
			}
		}

		// The context side, in process.
		ctx := l.WithRequestID(t.Context(), "req-1")
		if id, ok := l.RequestID(ctx); !ok || id != "req-1" {
			t.Fatalf("RequestID(WithRequestID(ctx, req-1)) = %q, %v", id, ok)
		}
		child, cancel := context.WithCancel(ctx)
		defer cancel()
		if id, _ := l.RequestID(child); id != "req-1" {
			t.Errorf("a child context lost the request id (got %q)", id)
		}
		if id, ok := l.RequestID(t.Context()); ok || id != "" {
			t.Errorf("RequestID of a context without one = %q, %v; want \"\", false", id, ok)
		}
		// Keys another package could build must not reach our value.
		for _, key := range []any{"requestID", "request_id", "x-request-id", struct{}{}} {
			foreign := context.WithValue(t.Context(), key, "forged")
			if id, ok := l.RequestID(foreign); ok || id == "forged" {
				t.Errorf("a value stored under the key %#v is read as the request id; use an unexported key type", key)
			}
			shadowed := context.WithValue(ctx, key, "forged")
			if id, _ := l.RequestID(shadowed); id != "req-1" {
				t.Errorf("storing %#v under the key %#v replaced the request id (now %q)", "forged", key, id)
			}
		}
	})
}

// probeCall stops the test with step's TODO message while Hop.Call is not
// written yet, so a learner reads "implement Hop.Call" rather than the
// first TODO the chain happens to run into.
func probeCall(t *testing.T, l Lab, step labkit.Step) {
	t.Helper()
	h := l.NewHop(Config{
		Name:  "probe",
		Query: func(context.Context, string) (string, error) { return "", nil },
		Log:   func(context.Context, string) error { return nil },
		Audit: func(context.Context, string, codes.Code) {}, AuditTimeout: auditTimeout,
	})
	_, err := h.Call(t.Context(), &hopv1.CallRequest{})
	if labkit.IsTODO(err) {
		step.Check(t, err)
	}
}

// TestBudget: step 2, the next hop's deadline keeps a reserve.
func TestBudget(t *testing.T, l Lab) {
	t.Run("reserve", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			start := time.Now()
			next, cancelNext, err := l.Budget(ctx, "B", 100*time.Millisecond)
			step2.Require(t, err)
			defer cancelNext()
			dl, ok := next.Deadline()
			parent, _ := ctx.Deadline()
			if !ok || !dl.Equal(parent.Add(-100*time.Millisecond)) {
				t.Fatalf("next hop's deadline = %v (set: %v), want the caller's deadline minus the 100ms reserve, %v", dl, ok, parent.Add(-100*time.Millisecond))
			}
			<-next.Done()
			if got := time.Since(start); got != 900*time.Millisecond {
				t.Errorf("the next hop's context ended after %v, want 900ms: when the 100ms reserve of the caller's 1s begins", got)
			}
			if ctx.Err() != nil {
				t.Error("the caller's context ended together with the next hop's; the reserve must be left")
			}
			cause := context.Cause(next)
			if !errors.Is(cause, l.ErrReserve) || !strings.Contains(cause.Error(), "hop B") {
				t.Errorf("context.Cause(next) = %v, want an error wrapping ErrReserve that names hop B (context.WithDeadlineCause)", cause)
			}
		})
	})

	t.Run("too_small", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			for _, left := range []time.Duration{50 * time.Millisecond, 100 * time.Millisecond} {
				ctx, cancel := context.WithTimeout(t.Context(), left)
				_, _, err := l.Budget(ctx, "B", 100*time.Millisecond)
				cancel()
				if step2.Check(t, err) == nil {
					t.Fatalf("Budget with %v left and a 100ms reserve succeeded; the next hop would get no time at all", left)
				}
				if got := status.Code(err); got != codes.DeadlineExceeded {
					t.Errorf("Budget with %v left: code %v, want DeadlineExceeded (%v)", left, got, err)
				}
				if !strings.Contains(err.Error(), "hop B") {
					t.Errorf("error %q does not name the hop that gave up", err)
				}
			}
		})
	})

	t.Run("no_deadline", func(t *testing.T) {
		next, cancel, err := l.Budget(t.Context(), "B", 100*time.Millisecond)
		step2.Require(t, err)
		defer cancel()
		if _, ok := next.Deadline(); ok {
			t.Error("a caller without a deadline gave the next hop one; there is no budget to divide")
		}
	})

	t.Run("caller_cancel_wins", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		next, cancelNext, err := l.Budget(ctx, "B", time.Millisecond)
		step2.Require(t, err)
		defer cancelNext()
		cancel()
		<-next.Done() // would hang for an hour if not derived from ctx
		if !errors.Is(next.Err(), context.Canceled) {
			t.Errorf("next.Err() = %v after the caller cancelled, want context.Canceled", next.Err())
		}
	})
}

var reserves = [3]time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 50 * time.Millisecond}

// TestChain: step 3, A -> B -> C with deadline propagation.
func TestChain(t *testing.T, l Lab) {
	probeCall(t, l, step3)
	t.Run("budget_travels", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			a, b, c := newHop("A", 0, nil, 0), newHop("B", 0, nil, 0), newHop("C", 0, nil, 0)
			ch := newChain(t, labkit.Bufconn, l, reserves, a, b, c)
			ctx, cancel := context.WithTimeout(l.WithRequestID(t.Context(), "req-7"), time.Second)
			defer cancel()
			resp, err := ch.client.Call(ctx, &hopv1.CallRequest{Query: "select 1"})
			step3.Require(t, err)
			if len(resp.GetHops()) != 3 {
				t.Fatalf("response has %d hop traces, want 3 (C, B, A): %v", len(resp.GetHops()), resp)
			}
			for i, want := range []struct {
				hop    string
				budget time.Duration
				why    string
			}{
				{"C", 800 * time.Millisecond, "1s minus A's and B's 100ms reserves, carried by grpc-timeout"},
				{"B", 900 * time.Millisecond, "1s minus A's 100ms reserve"},
				{"A", time.Second, "the client's whole deadline"},
			} {
				tr := resp.GetHops()[i]
				if tr.GetHop() != want.hop {
					t.Errorf("trace %d is from hop %q, want %q (deepest first)", i, tr.GetHop(), want.hop)
					continue
				}
				near(t, "hop "+want.hop+"'s budget", tr.GetBudget().AsDuration(), want.budget, want.why)
				if tr.GetRequestId() != "req-7" {
					t.Errorf("hop %s saw request id %q, want the client's %q", want.hop, tr.GetRequestId(), "req-7")
				}
				if tr.GetRows() != "rows from "+want.hop {
					t.Errorf("hop %s returned rows %q, want its own database's %q", want.hop, tr.GetRows(), "rows from "+want.hop)
				}
			}
			for _, h := range []*hop{a, b, c} {
				if h.queries.Load() != 1 || h.logs.Load() != 1 {
					t.Errorf("hop %s ran %d queries and wrote %d log lines, want 1 and 1", h.name, h.queries.Load(), h.logs.Load())
				}
			}
		})
	})

	t.Run("fail_fast", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			// A's own jobs are instant, so only B's budget decides this call.
			// (With a slow A, B's failure must also cancel A's jobs: that is
			// step 4, TestCascade/fail_fast.)
			a, b, c := newHop("A", 0, nil, 0), newHop("B", 0, nil, 0), newHop("C", 0, nil, 0)
			ch := newChain(t, labkit.Bufconn, l, reserves, a, b, c)
			// 150ms: A keeps 100ms, so B gets 50ms, less than its own reserve.
			ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := ch.client.Call(ctx, &hopv1.CallRequest{Query: "select 1"})
			if step3.Check(t, err) == nil {
				t.Fatal("the call succeeded, but hop B had 50ms left (the client's 150ms minus A's 100ms reserve), " +
					"not more than its own 100ms reserve: B's call to Budget must fail and B must return that error")
			}
			ch.took(t, start, 0, "hop B's Budget fails before any work and A returns B's error as it comes")
			if got := status.Code(err); got != codes.DeadlineExceeded {
				t.Errorf("code %v, want DeadlineExceeded, the code of B's Budget error, returned by B and then by A unchanged (%v)", got, err)
			}
			if !strings.Contains(err.Error(), "hop B") {
				t.Errorf("error %q does not say that hop B gave up: B's Budget error names B, and A returns it as it came", err)
			}
			if n := c.handled.Load(); n != 0 {
				t.Errorf("hop C was called %d times; with 50ms left and a 100ms reserve, hop B must not call on", n)
			}
			if q, lg := b.queries.Load(), b.logs.Load(); q != 0 || lg != 0 {
				t.Errorf("hop B started %d queries and %d log writes before failing; it must check its budget (Budget) before starting any job", q, lg)
			}
		})
	})

	t.Run("reserve_cause", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			// C hangs for 2s whatever its deadline says: only B's own
			// reserve deadline can end B's wait.
			a, b, c := newHop("A", 0, nil, 0), newHop("B", 0, nil, 0), newHop("C", 2*time.Second, nil, 0)
			c.stuck = true
			ch := newChain(t, labkit.Bufconn, l, reserves, a, b, c)
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			start := time.Now()
			_, err := ch.client.Call(ctx, &hopv1.CallRequest{Query: "slow"})
			if step3.Check(t, err) == nil {
				t.Fatal("the call succeeded although hop C's database hangs for 2s and the client allows 1s")
			}
			why := "hop B's call to C ends at B's reserve (the client's 1s minus A's 100ms and B's 100ms reserves), " +
				"and the error comes back before the client's deadline"
			switch time.Since(start).Round(time.Millisecond) {
			case 900 * time.Millisecond:
				why += "; 900ms is hop B's own deadline: B called C with its incoming context, not with the one Budget returned"
			case time.Second:
				why += "; 1s is the client's deadline: neither A nor B kept its reserve (call the next hop with Budget's context)"
			}
			ch.took(t, start, 800*time.Millisecond, why)
			if got := status.Code(err); got != codes.DeadlineExceeded {
				t.Errorf("code %v, want DeadlineExceeded (%v)", got, err)
			}
			if msg := status.Convert(err).Message(); !strings.Contains(msg, "hop B") || !strings.Contains(msg, l.ErrReserve.Error()) {
				t.Errorf("message %q must tell the client why: hop B's reserve (%q, from context.Cause on the context B called C with)", msg, l.ErrReserve)
			}
		})
	})

	t.Run("reserve_cause_race", func(t *testing.T) {
		// The next hop's deadline is the one this hop gave it, so its
		// "deadline exceeded" can arrive at the very instant this hop's own
		// timer for that context fires: before it or after it. Here the
		// next hop is a fake that answers at exactly that instant; which of
		// the two runs first varies from try to try, and every try must
		// still name the reserve.
		labkit.Bubble(t, func(t *testing.T) {
			h := l.NewHop(Config{
				Name: "B", Next: atDeadline{}, Reserve: 100 * time.Millisecond,
				Query: func(context.Context, string) (string, error) { return "rows", nil },
				Log:   func(context.Context, string) error { return nil },
				Audit: func(context.Context, string, codes.Code) {}, AuditTimeout: auditTimeout,
			})
			const tries = 64
			for try := 1; try <= tries; try++ {
				ctx, cancel := context.WithTimeout(t.Context(), 900*time.Millisecond)
				_, err := h.Call(ctx, &hopv1.CallRequest{Query: "slow"})
				cancel()
				if step3.Check(t, err) == nil {
					t.Fatal("Hop.Call succeeded although its call to the next hop failed; return that error")
				}
				if !strings.Contains(err.Error(), l.ErrReserve.Error()) {
					t.Fatalf("try %d of %d: error %q does not name hop B's reserve. The next hop answered DeadlineExceeded at the "+
						"instant B's reserve began, before B's own timer for that context had fired, so nextCtx.Err() was still nil. "+
						"Once that context's deadline has passed, wait for <-nextCtx.Done() before reading context.Cause (README step 3, hint 2)",
						try, tries, err)
				}
			}
		})
	})

	t.Run("loopback", func(t *testing.T) {
		// The same chain over real TCP, outside a bubble: only loose bounds.
		a, b, c := newHop("A", 0, nil, 0), newHop("B", 0, nil, 0), newHop("C", 0, nil, 0)
		ch := newChain(t, labkit.Loopback, l, reserves, a, b, c)
		ctx, cancel := context.WithTimeout(l.WithRequestID(t.Context(), "req-tcp"), 10*time.Second)
		defer cancel()
		resp, err := ch.client.Call(ctx, &hopv1.CallRequest{Query: "select 1"})
		step3.Require(t, err)
		if len(resp.GetHops()) != 3 {
			t.Fatalf("response has %d hop traces, want 3", len(resp.GetHops()))
		}
		if got := resp.GetHops()[0].GetBudget().AsDuration(); got > 9800*time.Millisecond || got < 9*time.Second {
			t.Errorf("hop C's budget = %v, want a little under 9.8s (10s minus 200ms of reserves)", got)
		}
		if got := resp.GetHops()[0].GetRequestId(); got != "req-tcp" {
			t.Errorf("hop C saw request id %q, want %q", got, "req-tcp")
		}
	})
}

// TestCascade: step 4, cancellation reaches every job on every hop.
func TestCascade(t *testing.T, l Lab) {
	probeCall(t, l, step4)
	t.Run("fail_fast", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			// TestChain/fail_fast with a slow hop A: B's fail-fast error is
			// the first of A's jobs to fail, so it must cancel A's query and
			// log write, which would otherwise run to the client's deadline.
			a, b, c := newHop("A", time.Hour, nil, time.Hour), newHop("B", 0, nil, 0), newHop("C", 0, nil, 0)
			ch := newChain(t, labkit.Bufconn, l, reserves, a, b, c)
			ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := ch.client.Call(ctx, &hopv1.CallRequest{Query: "select 1"})
			if step4.Check(t, err) == nil {
				t.Fatal("the call succeeded, but hop B had 50ms left and a 100ms reserve")
			}
			ch.took(t, start, 0, "hop B failed fast at once; that failure of A's call to B must cancel "+
				"A's own query and log write (context.WithCancelCause), not leave them to the client's 150ms deadline")
			if got := status.Code(err); got != codes.DeadlineExceeded || !strings.Contains(err.Error(), "hop B") {
				t.Errorf("error %v, want hop B's DeadlineExceeded: A returns its first failed job's error, with its code", err)
			}
			for _, job := range []string{"query", "log"} {
				if s, ok := expectStop(t, a, job, "A's failed call to B must cancel A's other jobs"); ok && !strings.Contains(fmt.Sprint(s.cause), "hop B") {
					t.Errorf("hop A's %s was stopped with cause %v; want the error of A's call to B, which names hop B (cancel with the first failure)", job, s.cause)
				}
			}
		})
	})

	t.Run("client_cancels", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			a, b, c := newHop("A", time.Hour, nil, time.Hour), newHop("B", time.Hour, nil, time.Hour), newHop("C", time.Hour, nil, time.Hour)
			ch := newChain(t, labkit.Bufconn, l, reserves, a, b, c)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := ch.client.Call(ctx, &hopv1.CallRequest{Query: "slow"})
				done <- err
			}()
			synctest.Wait() // every goroutine is blocked: the whole chain is at work
			select {
			case err := <-done: // it ended without being cancelled
				step4.Require(t, err)
				t.Fatal("the call returned before the client cancelled it, though every database takes an hour")
			default:
			}
			for _, h := range []*hop{a, b, c} {
				if h.handled.Load() != 1 || h.queries.Load() != 1 || h.logs.Load() != 1 {
					t.Fatalf("before cancelling: hop %s handled %d calls, started %d queries and %d log writes; want 1 of each, all at once",
						h.name, h.handled.Load(), h.queries.Load(), h.logs.Load())
				}
			}

			cancel()
			at := time.Now()
			if got := status.Code(<-done); got != codes.Canceled {
				t.Errorf("the client's call ended with %v, want Canceled", got)
			}
			stopped := 0
			for _, h := range []*hop{a, b, c} {
				for _, job := range []string{"query", "log"} {
					if s, ok := expectStop(t, h, job, "the client's cancellation must reach every job on every hop"); ok {
						stopped++
						if d := s.at.Sub(at); d > 10*time.Millisecond {
							t.Errorf("hop %s's %s stopped %v after the cancel; want at once", h.name, job, d)
						}
					}
				}
			}
			remote := 0
			for _, h := range []*hop{a, b} {
				select {
				case code := <-h.nextEnded:
					remote++
					if code != codes.Canceled {
						t.Errorf("hop %s's call to the next hop ended with %v, want Canceled", h.name, code)
					}
				case <-time.After(time.Minute):
					t.Errorf("hop %s's call to the next hop never ended after the client cancelled", h.name)
				}
			}
			if stopped != 6 || remote != 2 {
				t.Errorf("%d of 6 jobs and %d of 2 remote calls stopped", stopped, remote)
			}
		})
	})

	t.Run("plain_error_is_internal", func(t *testing.T) {
		// Neither a gRPC status nor a context error: Internal.
		labkit.Bubble(t, func(t *testing.T) {
			a, b, c := newHop("A", 0, nil, 0), newHop("B", 0, errors.New("disk full"), 0), newHop("C", 0, nil, 0)
			ch := newChain(t, labkit.Bufconn, l, reserves, a, b, c)
			_, err := ch.client.Call(t.Context(), &hopv1.CallRequest{Query: "select 1"})
			if step4.Check(t, err) == nil {
				t.Fatal("the call succeeded although hop B's database failed")
			}
			if s := status.Convert(err); s.Code() != codes.Internal || !strings.Contains(s.Message(), "hop B") || !strings.Contains(s.Message(), "disk full") {
				t.Errorf("hop B's database failed with a plain Go error (disk full); the client got %v, want Internal with a message naming hop B and the error", err)
			}
		})
	})

	t.Run("failure_cancels_siblings", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			errDBDown := status.Error(codes.Unavailable, "db down")
			a, b, c := newHop("A", time.Hour, nil, time.Hour), newHop("B", 10*time.Millisecond, errDBDown, time.Hour), newHop("C", time.Hour, nil, time.Hour)
			ch := newChain(t, labkit.Bufconn, l, reserves, a, b, c)
			start := time.Now()
			_, err := ch.client.Call(t.Context(), &hopv1.CallRequest{Query: "select 1"})
			if step4.Check(t, err) == nil {
				t.Fatal("the call succeeded although hop B's database failed")
			}
			ch.took(t, start, 10*time.Millisecond, "hop B's database fails at 10ms, and that failure must cancel everything else on every hop")
			if got := status.Code(err); got != codes.Unavailable {
				t.Errorf("code %v, want the database's Unavailable, kept on every hop (%v)", got, err)
			}
			if msg := status.Convert(err).Message(); !strings.Contains(msg, "hop B") || !strings.Contains(msg, "db down") {
				t.Errorf("message %q must say that hop B's database was down", msg)
			}
			if s, ok := expectStop(t, b, "log", "a failed job cancels its siblings"); ok && !errors.Is(s.cause, errDBDown) {
				t.Errorf("hop B's log writer was stopped with cause %v; want the database error (context.WithCancelCause)", s.cause)
			}
			expectStop(t, c, "query", "the failure must cancel the call to the next hop, and with it C's work")
			expectStop(t, a, "query", "the error coming back from B must cancel A's other jobs")
			expectStop(t, a, "log", "the error coming back from B must cancel A's other jobs")
		})
	})
}

// TestAudit: step 5, an audit write that outlives its request.
func TestAudit(t *testing.T, l Lab) {
	probeCall(t, l, step5)
	collect := func(t *testing.T, hops ...*hop) map[string]auditRecord {
		t.Helper()
		got := map[string]auditRecord{}
		for _, h := range hops {
			select {
			case r := <-h.audits:
				got[h.name] = r
			case <-time.After(time.Minute):
				t.Errorf("hop %s never wrote its audit record; register the write with context.AfterFunc(ctx, ...)", h.name)
			}
		}
		return got
	}
	check := func(t *testing.T, got map[string]auditRecord, code codes.Code, id string) {
		t.Helper()
		for name, r := range got {
			if r.hop != name || r.code != code {
				t.Errorf("hop %s audited {hop %q, code %v}, want {%q, %v}: the code the request ended with on this hop "+
					"(the code Call returned, on every return path, or the caller's cancellation if Call had not returned yet)", name, r.hop, r.code, name, code)
			}
			if r.requestID != id {
				t.Errorf("hop %s's audit context has request id %q, want %q: keep the request's values (context.WithoutCancel)", name, r.requestID, id)
			}
			if r.errAtStart != nil || r.errAfterWork != nil {
				t.Errorf("hop %s's audit context was done (%v, then %v): it must outlive the request (context.WithoutCancel)", name, r.errAtStart, r.errAfterWork)
			}
			if r.left < 0 {
				t.Errorf("hop %s's audit context has no deadline; bound it with the configured AuditTimeout", name)
			} else {
				near(t, "hop "+name+"'s audit time left", r.left, auditTimeout, "AuditTimeout, counted from the end of the request")
			}
		}
	}

	t.Run("after_success", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			a, b, c := newHop("A", 0, nil, 0), newHop("B", 0, nil, 0), newHop("C", 0, nil, 0)
			ch := newChain(t, labkit.Bufconn, l, reserves, a, b, c)
			ctx, cancel := context.WithTimeout(l.WithRequestID(t.Context(), "req-9"), time.Second)
			defer cancel()
			_, err := ch.client.Call(ctx, &hopv1.CallRequest{Query: "select 1"})
			step5.Require(t, err)
			check(t, collect(t, a, b, c), codes.OK, "req-9")
		})
	})

	t.Run("after_failure", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			// B's database fails: A and B end with its Unavailable, and C,
			// whose call B cancelled, with Canceled.
			errDBDown := status.Error(codes.Unavailable, "db down")
			a, b, c := newHop("A", time.Hour, nil, 0), newHop("B", 10*time.Millisecond, errDBDown, 0), newHop("C", time.Hour, nil, 0)
			ch := newChain(t, labkit.Bufconn, l, reserves, a, b, c)
			_, err := ch.client.Call(l.WithRequestID(t.Context(), "req-11"), &hopv1.CallRequest{Query: "select 1"})
			if step5.Check(t, err) == nil {
				t.Fatal("the call succeeded although hop B's database failed")
			}
			got := collect(t, a, b, c)
			check(t, map[string]auditRecord{"A": got["A"], "B": got["B"]}, codes.Unavailable, "req-11")
			check(t, map[string]auditRecord{"C": got["C"]}, codes.Canceled, "req-11")
		})
	})

	t.Run("after_cancel", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			a, b, c := newHop("A", time.Hour, nil, 0), newHop("B", time.Hour, nil, 0), newHop("C", time.Hour, nil, 0)
			ch := newChain(t, labkit.Bufconn, l, reserves, a, b, c)
			ctx, cancel := context.WithCancel(l.WithRequestID(t.Context(), "req-10"))
			done := make(chan error, 1)
			go func() {
				_, err := ch.client.Call(ctx, &hopv1.CallRequest{Query: "slow"})
				done <- err
			}()
			synctest.Wait()
			cancel()
			step5.Check(t, <-done)
			check(t, collect(t, a, b, c), codes.Canceled, "req-10")
		})
	})
}
