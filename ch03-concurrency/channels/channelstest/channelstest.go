// Package channelstest is the channels lab's suite. The exercise and the
// solution both run it through their one-screen *_test.go files, so every
// assertion is written once.
//
// Time-driven behaviour (deadlines, hedging delays, how long a drain
// takes) runs inside testing/synctest bubbles with real gRPC over bufconn,
// so it is exact and instant. Leak checks run outside bubbles, over
// loopback TCP, with goleak.
package channelstest

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pricev1 "github.com/grpclabs/labs/ch03-concurrency/gen/price/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch03-concurrency/channels"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "HandOff"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "Gather"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "FailFast"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "Hedged"}
	step5 = labkit.Step{Lab: lab, N: 5, What: "Pool"}
	step6 = labkit.Step{Lab: lab, N: 6, What: "Map / Collect"}
)

// The lab's functions, as the suite calls them.
type (
	HandOffFunc  func(ctx context.Context, work func(context.Context) (string, error)) (string, error)
	GatherFunc   func(ctx context.Context, backends []pricev1.PriceServiceClient, sku string, timeout time.Duration) ([]*pricev1.QuoteResponse, []error)
	FailFastFunc func(ctx context.Context, backends []pricev1.PriceServiceClient, sku string) ([]*pricev1.QuoteResponse, error)
	HedgedFunc   func(ctx context.Context, primary, secondary pricev1.PriceServiceClient, sku string, delay time.Duration) (*pricev1.QuoteResponse, error)
	MapFunc      func(ctx context.Context, in <-chan int, f func(int) int) (<-chan int, error)
	CollectFunc  func(ctx context.Context, in <-chan int) ([]int, error)
)

// Pool is the worker pool's API.
type Pool interface {
	Submit(ctx context.Context, task func(context.Context)) error
	Shutdown(ctx context.Context) error
}

var errBoom = errors.New("boom")

// TestHandOff: step 1, a synchronous hand-off the caller can walk away from.
func TestHandOff(t *testing.T, handOff HandOffFunc) {
	t.Run("result", func(t *testing.T) {
		got, err := handOff(t.Context(), func(context.Context) (string, error) { return "pong", nil })
		step1.Require(t, err)
		if got != "pong" {
			t.Fatalf("HandOff = %q, want the worker's result %q", got, "pong")
		}
		_, err = handOff(t.Context(), func(context.Context) (string, error) { return "", errBoom })
		if !errors.Is(step1.Check(t, err), errBoom) {
			t.Fatalf("HandOff with a failing worker: err = %v, want the worker's own error", err)
		}
	})

	// The caller cancels while work is running; work honours its context.
	t.Run("caller_gives_up", func(t *testing.T) {
		before := goleak.IgnoreCurrent()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		started, returned := make(chan struct{}), make(chan struct{})
		workSawCancel := make(chan bool, 1)
		go func() { // the caller's "give up" button
			select {
			case <-started:
				cancel()
			case <-returned:
			}
		}()
		_, err := handOff(ctx, func(wctx context.Context) (string, error) {
			close(started)
			<-wctx.Done()
			workSawCancel <- true
			return "too late", nil
		})
		close(returned)
		if !errors.Is(step1.Check(t, err), context.Canceled) {
			t.Fatalf("HandOff after the caller cancelled: err = %v, want context.Canceled", err)
		}
		noLeaks(t, before, "HandOff after the caller cancelled")
		select {
		case <-workSawCancel:
		default:
			t.Fatal("work never saw its context cancelled; pass it a context that ends when the caller gives up")
		}
	})

	// The text's version, `go func() { ch <- work() }()`, strands the worker
	// here: work ignores ctx, finishes after the caller left, and its send
	// on the unbuffered channel blocks forever.
	t.Run("stubborn_work", func(t *testing.T) {
		before := goleak.IgnoreCurrent()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		started, release, returned := make(chan struct{}), make(chan struct{}), make(chan struct{})
		go func() {
			select {
			case <-started:
				cancel()
			case <-returned:
			}
		}()
		_, err := handOff(ctx, func(context.Context) (string, error) {
			close(started)
			<-release // a call that does not listen to its context
			return "finished after the caller left", nil
		})
		close(returned)
		close(release)
		if !errors.Is(step1.Check(t, err), context.Canceled) {
			t.Fatalf("HandOff must return when the caller cancels even if work ignores ctx: err = %v, want context.Canceled", err)
		}
		noLeaks(t, before, "HandOff whose worker finished after the caller left (its send must not block forever)")
	})

	t.Run("deadline", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 250*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := handOff(ctx, func(wctx context.Context) (string, error) {
				select {
				case <-time.After(time.Hour):
					return "slow", nil
				case <-wctx.Done():
					return "", wctx.Err()
				}
			})
			if !errors.Is(step1.Check(t, err), context.DeadlineExceeded) {
				t.Fatalf("HandOff past the caller's deadline: err = %v, want context.DeadlineExceeded", err)
			}
			elapsedIs(t, time.Since(start), 250*time.Millisecond, "the caller's deadline bounds the wait")
		})
	})
}

// TestGather: step 2, scatter-gather with an overall deadline and honest
// partial results.
func TestGather(t *testing.T, gather GatherFunc) {
	t.Run("partial", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			fast := newBackend("fast", 10*time.Millisecond, 100, nil)
			slow := newBackend("slow", time.Second, 200, nil)
			broken := newBackend("broken", 5*time.Millisecond, 0, status.Error(codes.Unavailable, "backend is down"))
			medium := newBackend("medium", 50*time.Millisecond, 300, nil)
			clients := serve(t, labkit.Bufconn, fast, slow, broken, medium)

			start := time.Now()
			quotes, errs := gather(t.Context(), clients, "sku-1", 200*time.Millisecond)
			elapsed := time.Since(start)
			for _, err := range errs {
				step2.Check(t, err)
			}
			if len(quotes) != 4 || len(errs) != 4 {
				t.Fatalf("Gather returned %d quotes and %d errors for 4 backends; want one slot per backend in each", len(quotes), len(errs))
			}
			elapsedIs(t, elapsed, 200*time.Millisecond, "one backend takes 1s, so Gather must stop at the 200ms overall deadline")
			for i, want := range []int64{100, 0, 0, 300} {
				if want == 0 {
					continue
				}
				if errs[i] != nil || quotes[i].GetCents() != want || quotes[i].GetSku() != "sku-1" {
					t.Errorf("backend %d: quote {%v}, err %v; want %d cents for sku-1 and no error", i, quotes[i], errs[i], want)
				}
			}
			if quotes[1] != nil || status.Code(errs[1]) != codes.DeadlineExceeded {
				t.Errorf("slow backend 1: quote {%v}, err %v; want no quote and a DeadlineExceeded error (missing, not zero)", quotes[1], errs[1])
			}
			if quotes[2] != nil || status.Code(errs[2]) != codes.Unavailable {
				t.Errorf("broken backend 2: quote {%v}, err %v; want no quote and its own Unavailable error", quotes[2], errs[2])
			}
			wasCancelled(t, slow, "Gather must cancel the calls it stops waiting for")
		})
	})

	t.Run("all_answer", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			clients := serve(t, labkit.Bufconn,
				newBackend("a", 30*time.Millisecond, 1, nil),
				newBackend("b", 50*time.Millisecond, 2, nil),
				newBackend("c", 40*time.Millisecond, 3, nil))
			start := time.Now()
			quotes, errs := gather(t.Context(), clients, "sku-2", time.Second)
			elapsed := time.Since(start)
			for _, err := range errs {
				step2.Require(t, err)
			}
			if len(quotes) != 3 {
				t.Fatalf("Gather returned %d quotes for 3 backends", len(quotes))
			}
			for i, q := range quotes {
				if q.GetCents() != int64(i+1) {
					t.Errorf("quotes[%d] = {%v}, want backend %d's answer (%d cents): keep the order of backends", i, q, i, i+1)
				}
			}
			elapsedIs(t, elapsed, 50*time.Millisecond,
				"the calls must run at once (30+50+40ms one after another is 120ms) and Gather must not wait for the 1s deadline once all answered")
		})
	})

	t.Run("caller_deadline_wins", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			slow := newBackend("slow", time.Second, 1, nil)
			clients := serve(t, labkit.Bufconn, slow)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, errs := gather(ctx, clients, "sku-3", time.Hour)
			if len(errs) == 1 {
				step2.Check(t, errs[0])
			}
			elapsedIs(t, time.Since(start), 20*time.Millisecond, "the caller's shorter deadline must win over Gather's own timeout")
			if len(errs) != 1 || status.Code(errs[0]) != codes.DeadlineExceeded {
				t.Fatalf("errs = %v, want one DeadlineExceeded", errs)
			}
		})
	})

	t.Run("no_goroutine_outlives_it", func(t *testing.T) {
		slow := newBackend("slow", time.Hour, 1, nil)
		clients := serve(t, labkit.Loopback, slow, newBackend("fast", 0, 2, nil), newBackend("slow2", time.Hour, 3, nil))
		before := goleak.IgnoreCurrent()
		// Generous: only a Gather that ignores its own timeout gets near it.
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		_, errs := gather(ctx, clients, "sku-4", 20*time.Millisecond)
		for _, err := range errs {
			step2.Check(t, err)
		}
		noLeaks(t, before, "Gather with two backends that never answer")
		wasCancelled(t, slow, "over real TCP too")
	})
}

// TestFailFast: step 3, all-or-nothing with errgroup.
func TestFailFast(t *testing.T, failFast FailFastFunc) {
	// Ask for the TODO before the bubbles: a skip inside synctest.Test is
	// reported as a pass, and CI mode would count this step as done. With
	// no backends there is nothing to call.
	_, err := failFast(t.Context(), nil, "probe")
	step3.Check(t, err)
	t.Run("first_error_cancels_the_rest", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			slow := newBackend("slow", time.Second, 1, nil)
			broken := newBackend("broken", 10*time.Millisecond, 0, status.Error(codes.Unavailable, "backend is down"))
			clients := serve(t, labkit.Bufconn, slow, broken, newBackend("fast", 5*time.Millisecond, 3, nil))
			start := time.Now()
			quotes, err := failFast(t.Context(), clients, "sku-1")
			elapsed := time.Since(start)
			if step3.Check(t, err) == nil {
				t.Fatalf("FailFast = {%v}, nil; backend 1 failed, so the whole call must fail", quotes)
			}
			if got := status.Code(err); got != codes.Unavailable {
				t.Errorf("status.Code(err) = %v, want backend 1's Unavailable; wrap with %%w to keep it (%v)", got, err)
			}
			if !strings.Contains(err.Error(), "backend 1") {
				t.Errorf("error %q does not say which backend failed (want \"backend 1: ...\")", err)
			}
			if quotes != nil {
				t.Errorf("FailFast returned quotes with its error: %v", quotes)
			}
			elapsedIs(t, elapsed, 10*time.Millisecond, "the failure at 10ms must end the call, not the slow backend's 1s")
			wasCancelled(t, slow, "the first error must cancel the calls still running")
		})
	})

	t.Run("all_succeed", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			clients := serve(t, labkit.Bufconn,
				newBackend("a", 30*time.Millisecond, 1, nil),
				newBackend("b", 10*time.Millisecond, 2, nil))
			start := time.Now()
			quotes, err := failFast(t.Context(), clients, "sku-2")
			step3.Require(t, err)
			if len(quotes) != 2 || quotes[0].GetCents() != 1 || quotes[1].GetCents() != 2 {
				t.Fatalf("FailFast = %v, want backend 0's then backend 1's quote", quotes)
			}
			elapsedIs(t, time.Since(start), 30*time.Millisecond, "the calls must run at once")
		})
	})
}

// TestHedged: step 4, a hedged request whose loser is cancelled.
func TestHedged(t *testing.T, hedged HedgedFunc) {
	type tc struct {
		name               string
		primary, secondary *backend
		callerTimeout      time.Duration
		wantBackend        string // "" means an error is expected
		wantCode           codes.Code
		wantElapsed        time.Duration
		why                string
	}
	const delay = 30 * time.Millisecond
	cases := func() []tc {
		return []tc{{
			name:    "primary_fast",
			primary: newBackend("primary", 10*time.Millisecond, 1, nil), secondary: newBackend("secondary", 10*time.Millisecond, 2, nil),
			wantBackend: "primary", wantElapsed: 10 * time.Millisecond,
			why: "the primary answered before the 30ms hedge delay",
		}, {
			name:    "secondary_wins",
			primary: newBackend("primary", 100*time.Millisecond, 1, nil), secondary: newBackend("secondary", 20*time.Millisecond, 2, nil),
			wantBackend: "secondary", wantElapsed: 50 * time.Millisecond,
			why: "the hedge goes out at 30ms and answers 20ms later",
		}, {
			name:    "primary_fails_early",
			primary: newBackend("primary", 5*time.Millisecond, 0, status.Error(codes.Unavailable, "down")), secondary: newBackend("secondary", 20*time.Millisecond, 2, nil),
			wantBackend: "secondary", wantElapsed: 25 * time.Millisecond,
			why: "when the primary fails at 5ms the second request goes out at once, not at 30ms",
		}, {
			name:    "both_fail",
			primary: newBackend("primary", 5*time.Millisecond, 0, status.Error(codes.Unavailable, "down")), secondary: newBackend("secondary", 10*time.Millisecond, 0, status.Error(codes.Internal, "broken")),
			wantCode: codes.Internal, wantElapsed: 15 * time.Millisecond,
			why: "with both failed there is nothing left to wait for; the last error is returned",
		}, {
			name:    "caller_deadline",
			primary: newBackend("primary", time.Second, 1, nil), secondary: newBackend("secondary", time.Second, 2, nil),
			callerTimeout: 40 * time.Millisecond, wantCode: codes.DeadlineExceeded, wantElapsed: 40 * time.Millisecond,
			why: "the caller's deadline ends both attempts",
		}}
	}
	for i := range cases() {
		t.Run(cases()[i].name, func(t *testing.T) {
			labkit.Bubble(t, func(t *testing.T) {
				c := cases()[i] // built inside the bubble: its channels belong to it
				clients := serve(t, labkit.Bufconn, c.primary, c.secondary)
				ctx := t.Context()
				if c.callerTimeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, c.callerTimeout)
					defer cancel()
				}
				start := time.Now()
				resp, err := hedged(ctx, clients[0], clients[1], "sku-1", delay)
				elapsed := time.Since(start)
				if c.wantBackend != "" {
					step4.Require(t, err)
					if resp.GetBackend() != c.wantBackend {
						t.Errorf("answer from %q, want %q: %s", resp.GetBackend(), c.wantBackend, c.why)
					}
				} else {
					if step4.Check(t, err) == nil {
						t.Fatalf("Hedged = {%v}, nil; want a %v error: %s", resp, c.wantCode, c.why)
					}
					if got := status.Code(err); got != c.wantCode {
						t.Errorf("status.Code(err) = %v, want %v: %s (%v)", got, c.wantCode, c.why, err)
					}
				}
				elapsedIs(t, elapsed, c.wantElapsed, c.why)

				switch c.name {
				case "primary_fast":
					// Let the fake clock run well past the hedge delay: no
					// late second request may go out after we returned.
					time.Sleep(time.Second)
					if n := c.secondary.calls.Load(); n != 0 {
						t.Errorf("the secondary was called %d times; the primary answered before the delay, so no hedge is sent", n)
					}
				case "secondary_wins":
					wasCancelled(t, c.primary, "the losing request must be cancelled once the other answered")
				case "caller_deadline":
					wasCancelled(t, c.primary, "a caller that gave up cancels every attempt")
					wasCancelled(t, c.secondary, "a caller that gave up cancels every attempt")
				}
				if n := c.primary.calls.Load(); n != 1 {
					t.Errorf("the primary was called %d times, want exactly once", n)
				}
			})
		})
	}

	t.Run("loser_cancelled_over_tcp", func(t *testing.T) {
		// Whatever the real clock does, a primary that never answers loses.
		primary := newBackend("primary", time.Hour, 1, nil)
		clients := serve(t, labkit.Loopback, primary, newBackend("secondary", 0, 2, nil))
		before := goleak.IgnoreCurrent()
		// Generous: only a Hedged that never cancels its loser gets near it.
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		resp, err := hedged(ctx, clients[0], clients[1], "sku-1", 5*time.Millisecond)
		step4.Require(t, err)
		if resp.GetBackend() != "secondary" {
			t.Errorf("answer from %q; the primary never answers, so the secondary must win", resp.GetBackend())
		}
		wasCancelled(t, primary, "the loser's server must see its context cancelled")
		noLeaks(t, before, "Hedged after the secondary won")
	})
}

// TestPool: step 5, bounded concurrency and a graceful drain.
func TestPool[P Pool](t *testing.T, newPool func(workers, queue int) P, errClosed error) {
	t.Run("bounded", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			p := newPool(4, 8)
			var inFlight, highWater, ran atomic.Int64
			start := time.Now()
			for range 50 {
				err := p.Submit(t.Context(), func(context.Context) {
					n := inFlight.Add(1)
					for { // record the high-water mark
						hw := highWater.Load()
						if n <= hw || highWater.CompareAndSwap(hw, n) {
							break
						}
					}
					time.Sleep(10 * time.Millisecond) // the bubble's clock: costs nothing
					inFlight.Add(-1)
					ran.Add(1)
				})
				step5.Require(t, err)
			}
			step5.Require(t, p.Shutdown(t.Context()))
			if hw := highWater.Load(); hw != 4 {
				t.Errorf("at most %d tasks ran at once, want exactly 4: never more than the workers, and all of them busy", hw)
			}
			if n := ran.Load(); n != 50 {
				t.Errorf("%d of 50 accepted tasks ran before Shutdown returned; a graceful drain runs them all", n)
			}
			elapsedIs(t, time.Since(start), 130*time.Millisecond, "50 tasks of 10ms on 4 workers take 13 rounds")
		})
	})

	t.Run("drain_then_closed", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			p := newPool(2, 10)
			var ran atomic.Int64
			for range 10 {
				step5.Require(t, p.Submit(t.Context(), func(context.Context) {
					time.Sleep(10 * time.Millisecond)
					ran.Add(1)
				}))
			}
			start := time.Now()
			step5.Require(t, p.Shutdown(t.Context()))
			if n := ran.Load(); n != 10 {
				t.Errorf("Shutdown returned with %d of 10 queued tasks run; it must wait for the queue to drain", n)
			}
			elapsedIs(t, time.Since(start), 50*time.Millisecond, "10 tasks of 10ms on 2 workers")
			if err := p.Submit(t.Context(), func(context.Context) {}); !errors.Is(err, errClosed) {
				t.Errorf("Submit after Shutdown: err = %v, want ErrClosed", err)
			}
			step5.Require(t, p.Shutdown(t.Context())) // twice is harmless
		})
	})

	t.Run("shutdown_deadline", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			p := newPool(2, 4)
			var cancelled, ran atomic.Int64
			for range 4 { // two run, two wait in the queue
				step5.Require(t, p.Submit(t.Context(), func(ctx context.Context) {
					select {
					case <-ctx.Done():
						cancelled.Add(1)
					case <-time.After(time.Hour):
					}
					ran.Add(1)
				}))
			}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := p.Shutdown(ctx)
			if !errors.Is(step5.Check(t, err), context.DeadlineExceeded) {
				t.Errorf("Shutdown with hour-long tasks and a 30ms deadline: err = %v, want context.DeadlineExceeded", err)
			}
			elapsedIs(t, time.Since(start), 30*time.Millisecond, "Shutdown gives up at its deadline")
			if c, r := cancelled.Load(), ran.Load(); c != 4 || r != 4 {
				t.Errorf("%d tasks saw their context cancelled and %d returned before Shutdown did; want 4 and 4: "+
					"cancel the tasks' context, then still wait for the workers", c, r)
			}
		})
	})

	t.Run("backpressure", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			p := newPool(1, 0)
			release := make(chan struct{})
			step5.Require(t, p.Submit(t.Context(), func(context.Context) { <-release }))

			// The only worker is busy and there is no queue: Submit waits.
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := p.Submit(ctx, func(context.Context) { t.Error("a task whose Submit gave up ran") })
			if !errors.Is(step5.Check(t, err), context.DeadlineExceeded) {
				t.Errorf("Submit to a full pool with a 10ms deadline: err = %v, want context.DeadlineExceeded", err)
			}
			elapsedIs(t, time.Since(start), 10*time.Millisecond, "Submit blocks while the pool is full, until its ctx ends")

			// A Submit blocked on a full pool is released by Shutdown.
			blocked := make(chan error, 1)
			go func() {
				blocked <- p.Submit(t.Context(), func(context.Context) { t.Error("a task refused with ErrClosed ran") })
			}()
			synctest.Wait() // it is now blocked
			shut := make(chan error, 1)
			go func() { shut <- p.Shutdown(t.Context()) }()
			synctest.Wait()
			select {
			case err := <-blocked:
				if !errors.Is(err, errClosed) {
					t.Errorf("a Submit blocked when Shutdown began returned %v, want ErrClosed", err)
				}
			default:
				t.Error("a Submit blocked on a full pool was still blocked after Shutdown began; it must return ErrClosed")
			}
			close(release)
			step5.Require(t, <-shut)
		})
	})

	t.Run("submit_races_shutdown", func(t *testing.T) {
		// Every Submit that returned nil must have its task run; -race
		// checks the pool's own bookkeeping.
		p := newPool(3, 2)
		var accepted, ran atomic.Int64
		done := make(chan struct{}, 8) // buffered: a goroutine never waits to say it is done
		for range 8 {
			go func() {
				defer func() { done <- struct{}{} }()
				for {
					err := p.Submit(t.Context(), func(context.Context) { ran.Add(1) })
					if err != nil {
						return
					}
					accepted.Add(1)
				}
			}()
		}
		for accepted.Load() < 100 && !t.Failed() {
			if err := p.Submit(t.Context(), func(context.Context) { ran.Add(1) }); err != nil {
				step5.Require(t, err)
			}
			accepted.Add(1)
		}
		step5.Require(t, p.Shutdown(t.Context()))
		for range 8 {
			<-done
		}
		if a, r := accepted.Load(), ran.Load(); a != r {
			t.Errorf("%d Submits returned nil but %d tasks ran; an accepted task must run", a, r)
		}
	})
}

// source sends 0, 1, 2, ... forever, one every tick (none if tick is 0),
// until ctx ends: the suite's own well-behaved first stage.
func source(ctx context.Context, tick time.Duration) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for i := 0; ; i++ {
			if tick > 0 {
				select {
				case <-time.After(tick):
				case <-ctx.Done():
					return
				}
			}
			select {
			case out <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// TestPipeline: step 6, stages that all stop on cancellation.
func TestPipeline(t *testing.T, mapStage MapFunc, collect CollectFunc) {
	t.Run("complete", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		in := make(chan int)
		go func() {
			defer close(in)
			for i := range 100 {
				select {
				case in <- i:
				case <-ctx.Done(): // the test ended early
					return
				}
			}
		}()
		doubled, err := mapStage(ctx, in, func(x int) int { return 2 * x })
		step6.Require(t, err)
		plusOne, err := mapStage(ctx, doubled, func(x int) int { return x + 1 })
		step6.Require(t, err)
		got, err := collect(ctx, plusOne)
		step6.Require(t, err)
		if len(got) != 100 {
			t.Fatalf("Collect got %d values, want all 100", len(got))
		}
		for i, v := range got {
			if v != 2*i+1 {
				t.Fatalf("value %d = %d, want %d: a stage must keep the order", i, v, 2*i+1)
			}
		}
	})

	t.Run("cancel_stops_every_stage", func(t *testing.T) {
		before := goleak.IgnoreCurrent()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var out <-chan int = source(ctx, 0)
		for range 3 {
			next, err := mapStage(ctx, out, func(x int) int { return x + 1 })
			step6.Require(t, err)
			out = next
		}
		for i := range 5 {
			if v := <-out; v != i+3 {
				t.Fatalf("value %d = %d, want %d", i, v, i+3)
			}
		}
		// Stop reading and cancel: every stage is now blocked on a send
		// nobody will receive, unless it also waits on ctx.Done().
		cancel()
		noLeaks(t, before, "a cancelled pipeline whose output nobody reads any more")
		select {
		case _, ok := <-out:
			if ok {
				t.Error("a stage sent a value after its pipeline was cancelled and all stages stopped")
			}
		default:
			t.Error("the last stage stopped without closing its output; close it (defer close(out)) so readers see the end")
		}
	})

	t.Run("nil_input", func(t *testing.T) {
		_, err := mapStage(t.Context(), nil, func(x int) int { return x })
		if step6.Check(t, err) == nil {
			t.Error("Map with a nil input channel succeeded; a nil channel blocks forever, refuse it with an error")
		}
	})

	t.Run("collect_partial", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			errTooSlow := errors.New("the report must be ready in 35ms")
			ctx, cancel := context.WithTimeoutCause(t.Context(), 35*time.Millisecond, errTooSlow)
			defer cancel()
			out, err := mapStage(ctx, source(ctx, 10*time.Millisecond), func(x int) int { return x * 10 })
			step6.Require(t, err)
			got, err := collect(ctx, out)
			if !errors.Is(step6.Check(t, err), errTooSlow) {
				t.Errorf("Collect cut short by ctx: err = %v, want context.Cause(ctx), which is %q", err, errTooSlow)
			}
			if len(got) != 3 || got[0] != 0 || got[1] != 10 || got[2] != 20 {
				t.Errorf("Collect = %v, want the 3 values that arrived by 35ms, [0 10 20]: partial, not lost", got)
			}
		})
	})
}
