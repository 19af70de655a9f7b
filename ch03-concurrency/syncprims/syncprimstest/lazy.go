package syncprimstest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// Lazy is what the lab's *Lazy[string] offers.
type Lazy interface {
	Get() (string, error)
}

// TestLazy: step 3, lazy configuration loaded once; a failed load is retried.
func TestLazy[L Lazy](t *testing.T, newLazy func(func() (string, error)) L) {
	t.Run("once_under_concurrency", func(t *testing.T) {
		var loads atomic.Int64
		entered := make(chan struct{}, 64)
		gate := make(chan struct{})
		lazy := newLazy(func() (string, error) {
			n := loads.Add(1)
			entered <- struct{}{}
			<-gate
			return fmt.Sprintf("config #%d", n), nil
		})

		var closeGate sync.Once
		release := func() { closeGate.Do(func() { close(gate) }) }
		const callers = 32
		var started, done sync.WaitGroup
		defer done.Wait()
		defer release() // runs first: nothing stays blocked if we fail early
		started.Add(callers)
		results := make(chan result, callers)
		for range callers {
			done.Go(func() {
				started.Done()
				v, err := lazy.Get()
				results <- result{v, err}
			})
		}
		started.Wait()
		// Hold the first load until every caller has at least started, so
		// a Lazy that lets several loads through has every chance to.
		select {
		case <-entered:
		case r := <-results:
			step3.Require(t, r.err)
			t.Fatalf("Get returned %q before any load ran", r.val)
		}
		release()
		done.Wait()
		close(results)
		for r := range results {
			step3.Require(t, r.err)
			if r.val != "config #1" {
				t.Errorf("Get = %q, want %q: every caller shares the one load", r.val, "config #1")
			}
		}
		if n := loads.Load(); n != 1 {
			t.Fatalf("%d concurrent Gets ran the load %d times, want exactly 1", callers, n)
		}
	})

	t.Run("error_is_not_cached", func(t *testing.T) {
		unavailable := errors.New("config service unavailable")
		var loads atomic.Int64
		lazy := newLazy(func() (string, error) {
			if loads.Add(1) == 1 {
				return "half-read", unavailable
			}
			return "config", nil
		})

		v, err := lazy.Get()
		step3.Check(t, err)
		if !errors.Is(err, unavailable) || v != "" {
			t.Fatalf(`first Get = (%q, %v), want ("", the load's error): return the error and the zero value, never a half-loaded one`, v, err)
		}
		for i := range 3 {
			v, err = lazy.Get()
			step3.Require(t, err)
			if v != "config" {
				t.Fatalf(`Get #%d after a failure = %q, want "config"`, i+2, v)
			}
		}
		if n := loads.Load(); n != 2 {
			t.Fatalf("load ran %d times for one failure then success, want 2: retry after an error (sync.OnceValues would keep the error forever), but never load again after a success", n)
		}
	})
}
