package syncprimstest

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/scripts/labkit"
)

// herdSize is how many callers miss the same key at the same moment.
const herdSize = 16

type result struct {
	val string
	err error
}

// TestHerd: step 2, concurrent misses for one key share one backend call.
//
// The cases run inside a testing/synctest bubble with the backend on
// bufconn (an in-memory gRPC connection works in a bubble; a real socket
// does not). synctest.Wait returns only when every goroutine in the bubble
// is blocked, so "all callers are waiting" is a fact, not a hope: no sleeps.
func TestHerd(t *testing.T, coalesce func(LoadFunc) LoadFunc) {
	// A t.Skip inside a synctest bubble is reported as a pass (measured with
	// Go 1.26), so each case probes for the TODO signal outside the bubble.
	probe := func(t *testing.T) {
		_, err := coalesce(func(context.Context, string) (string, error) { return "v", nil })(t.Context(), "probe")
		step2.Check(t, err)
	}
	t.Run("one_backend_call", func(t *testing.T) {
		probe(t)
		defer watchdog("TestHerd/one_backend_call")()
		synctest.Test(t, func(t *testing.T) {
			b := newBackend("k")
			defer b.openAll()
			load := coalesce(serveBackend(t, labkit.Bufconn, b))

			results := make(chan result, herdSize)
			for range herdSize {
				go func() {
					v, err := load(t.Context(), "k")
					results <- result{v, err}
				}()
			}
			synctest.Wait() // every caller is now blocked somewhere
			inFlight := b.calls.Load()
			b.open("k")
			for range herdSize {
				r := <-results
				step2.Require(t, r.err)
				if r.val != "K" {
					t.Errorf(`a caller got %q, want "K"`, r.val)
				}
			}
			if inFlight != 1 {
				t.Fatalf("%d callers missed one key at once and the backend saw %d calls, want 1: share one load per key (singleflight)", herdSize, inFlight)
			}
			if n := b.calls.Load(); n != 1 {
				t.Fatalf("backend saw %d calls in total, want 1", n)
			}
		})
	})

	t.Run("errors_are_shared_not_kept", func(t *testing.T) {
		probe(t)
		defer watchdog("TestHerd/errors_are_shared_not_kept")()
		synctest.Test(t, func(t *testing.T) {
			b := newBackend("missing")
			defer b.openAll()
			load := coalesce(serveBackend(t, labkit.Bufconn, b))

			results := make(chan result, herdSize)
			for range herdSize {
				go func() {
					v, err := load(t.Context(), "missing")
					results <- result{v, err}
				}()
			}
			synctest.Wait()
			b.open("missing")
			for range herdSize {
				r := <-results
				if step2.Check(t, r.err) == nil {
					t.Fatalf(`load("missing") = %q, want the backend's NotFound`, r.val)
				}
				if got := status.Code(r.err); got != codes.NotFound {
					t.Fatalf(`load("missing"): code %v, want NotFound for every waiting caller (%v)`, got, r.err)
				}
			}
			if n := b.calls.Load(); n != 1 {
				t.Fatalf("backend saw %d calls for one herd, want 1", n)
			}
			// The flight is over: a new miss asks the backend again.
			_, err := load(t.Context(), "missing")
			if status.Code(err) != codes.NotFound || b.calls.Load() != 2 {
				t.Fatalf("a later miss: err %v, backend calls %d; want NotFound and a second call (a finished flight is not a cache)", err, b.calls.Load())
			}
		})
	})

	t.Run("cancelled_caller_leaves_alone", func(t *testing.T) {
		probe(t)
		defer watchdog("TestHerd/cancelled_caller_leaves_alone")()
		synctest.Test(t, func(t *testing.T) {
			b := newBackend("k")
			defer b.openAll()
			load := coalesce(serveBackend(t, labkit.Bufconn, b))

			// The leader starts the flight alone, so it is the caller whose
			// context the load would naively use.
			leaderCtx, cancelLeader := context.WithCancel(t.Context())
			defer cancelLeader()
			leader := make(chan result, 1)
			go func() {
				v, err := load(leaderCtx, "k")
				leader <- result{v, err}
			}()
			synctest.Wait()

			followerCtx, cancelFollower := context.WithCancel(t.Context())
			defer cancelFollower()
			follower := make(chan result, 1)
			go func() {
				v, err := load(followerCtx, "k")
				follower <- result{v, err}
			}()
			others := make(chan result, herdSize)
			for range herdSize - 2 {
				go func() {
					v, err := load(t.Context(), "k")
					others <- result{v, err}
				}()
			}
			synctest.Wait()
			if n := b.calls.Load(); n != 1 {
				// Drain before failing so nothing is left blocked.
				b.open("k")
				for range herdSize - 2 {
					step2.Require(t, (<-others).err)
				}
				t.Fatalf("backend saw %d calls for one key, want 1", n)
			}

			cancelLeader()
			cancelFollower()
			synctest.Wait()
			for name, ch := range map[string]chan result{"the leader": leader, "a follower": follower} {
				select {
				case r := <-ch:
					step2.Check(t, r.err)
					if !errors.Is(r.err, context.Canceled) {
						t.Errorf("%s cancelled its context and got (%q, %v), want context.Canceled", name, r.val, r.err)
					}
				default:
					t.Errorf("%s cancelled its context but is still waiting for the backend: select on ctx.Done() too (DoChan)", name)
				}
			}
			select {
			case r := <-others:
				t.Errorf("a caller that did not cancel returned early with (%q, %v)", r.val, r.err)
			default:
			}

			b.open("k")
			for range herdSize - 2 {
				r := <-others
				if step2.Check(t, r.err) != nil {
					t.Fatalf("a caller that did not cancel got %v after the leader left: the shared load must not run on one caller's context (context.WithoutCancel)", r.err)
				}
				if r.val != "K" {
					t.Errorf(`a remaining caller got %q, want "K"`, r.val)
				}
			}
			// Drain the cancelled ones in case they were still waiting.
			synctest.Wait()
			if n := b.cancelled.Load(); n != 0 {
				t.Fatalf("the backend call was cancelled when the leader left: detach the shared load from any one caller's context (context.WithoutCancel)")
			}
		})
	})
}
