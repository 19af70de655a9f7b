package syncprimstest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/grpclabs/labs/scripts/labkit"
)

// Lazy is what the lab's *Lazy[string] offers.
type Lazy interface {
	Get() (string, error)
}

// TestLoadOnce: step 3, part A, startup configuration loaded exactly once
// with the standard library (sync.OnceValues): one load for any number of
// callers, and its error or panic is what every caller gets, forever.
func TestLoadOnce(t *testing.T, loadOnce func(load func() (string, error)) func() (string, error)) {
	step := step3a
	t.Run("once_under_concurrency", func(t *testing.T) {
		onceUnderConcurrency(t, step, loadOnce)
	})

	t.Run("error_is_remembered", func(t *testing.T) {
		badConfig := errors.New("config.yaml: line 3: unknown field")
		var loads atomic.Int64
		get := loadOnce(func() (string, error) {
			if loads.Add(1) == 1 {
				return "", badConfig
			}
			return "config", nil
		})
		for i := range 3 {
			v, err := get()
			step.Check(t, err)
			if !errors.Is(err, badConfig) {
				t.Fatalf("call #%d = (%q, %v), want the first load's error again: startup configuration that failed to load stays failed (fail fast, let the process restart); this is sync.OnceValues' behaviour, retrying is part B's job", i+1, v, err)
			}
		}
		if n := loads.Load(); n != 1 {
			t.Fatalf("load ran %d times for 3 calls after a failure, want 1: the error is remembered, not retried", n)
		}
	})

	t.Run("panic_reaches_every_caller", func(t *testing.T) {
		exploded := errors.New("config loader exploded")
		var loads atomic.Int64
		get := loadOnce(func() (string, error) {
			loads.Add(1)
			panic(exploded)
		})
		for i := range 3 {
			v, err, p := callRecovering(get)
			if p == nil {
				step.Check(t, err)
				t.Fatalf("call #%d returned (%q, %v) instead of panicking: the loader panicked, and a panic must reach every caller, not only the first (sync.Once marks itself done even when its function panicked, so the others would read a zero config; sync.OnceValues re-panics for each of them)", i+1, v, err)
			}
			if p != exploded {
				t.Fatalf("call #%d panicked with %v, want the loader's own panic value %v", i+1, p, exploded)
			}
		}
		if n := loads.Load(); n != 1 {
			t.Fatalf("load ran %d times for 3 calls, want 1: a panicking load is not retried either", n)
		}
	})
}

// callRecovering calls get and returns its results, or the value it
// panicked with.
func callRecovering(get func() (string, error)) (v string, err error, p any) {
	defer func() { p = recover() }()
	v, err = get()
	return v, err, nil
}

// TestLazy: step 3, part B, the retrying variant: loaded once after the
// first success, a failed load is retried.
func TestLazy[L Lazy](t *testing.T, newLazy func(func() (string, error)) L) {
	step := step3b
	t.Run("once_under_concurrency", func(t *testing.T) {
		onceUnderConcurrency(t, step, func(load func() (string, error)) func() (string, error) {
			return newLazy(load).Get
		})
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
		step.Check(t, err)
		if !errors.Is(err, unavailable) || v != "" {
			t.Fatalf(`first Get = (%q, %v), want ("", the load's error): return the error and the zero value, never a half-loaded one`, v, err)
		}
		for i := range 3 {
			v, err = lazy.Get()
			if step.Check(t, err) != nil {
				t.Fatalf("Get #%d after a failure = %v, want a new load that succeeds: a config service that blinked must not fail the process until it restarts (this is where sync.OnceValues would keep the first error)", i+2, err)
			}
			if v != "config" {
				t.Fatalf(`Get #%d after a failure = %q, want "config"`, i+2, v)
			}
		}
		if n := loads.Load(); n != 2 {
			t.Fatalf("load ran %d times for one failure then success, want 2: retry after an error, but never load again after a success", n)
		}
	})
}

// onceUnderConcurrency starts 32 first callers at once and holds the load
// until all of them have started: exactly one load may run, and everyone
// gets its value.
func onceUnderConcurrency(t *testing.T, step labkit.Step, newGet func(load func() (string, error)) func() (string, error)) {
	var loads atomic.Int64
	entered := make(chan struct{}, 64)
	gate := make(chan struct{})
	get := newGet(func() (string, error) {
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
			v, err := get()
			results <- result{v, err}
		})
	}
	started.Wait()
	// Hold the first load until every caller has at least started, so an
	// implementation that lets several loads through has every chance to.
	select {
	case <-entered:
	case r := <-results:
		step.Require(t, r.err)
		t.Fatalf("a caller got %q before any load ran: callers must wait for the first load to finish, not see a flag set before the value is", r.val)
	}
	release()
	done.Wait()
	close(results)
	var wrong int
	var example string
	for r := range results {
		step.Require(t, r.err)
		if r.val != "config #1" {
			wrong, example = wrong+1, r.val
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d callers got another value than the first load's %q (one got %q): every caller shares the one load", wrong, callers, "config #1", example)
	}
	if n := loads.Load(); n != 1 {
		t.Fatalf("%d concurrent first calls ran the load %d times, want exactly 1", callers, n)
	}
}
