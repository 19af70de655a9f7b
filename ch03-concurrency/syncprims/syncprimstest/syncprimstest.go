// Package syncprimstest is the syncprims lab's suite. The exercise and the
// solution both run it through their one-screen *_test.go files, so every
// assertion is written once.
package syncprimstest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch03-concurrency/syncprims"

var (
	step1  = labkit.Step{Lab: lab, N: 1, What: "Cache.Get"}
	step2  = labkit.Step{Lab: lab, N: 2, What: "Coalesce"}
	step3a = labkit.Step{Lab: lab, N: 3, What: "LoadOnce"}
	step3b = labkit.Step{Lab: lab, N: 3, What: "Lazy.Get"}
	step4  = labkit.Step{Lab: lab, N: 4, What: "Cache.GetMany"}
	step5  = labkit.Step{Lab: lab, N: 5, What: "Server.Get and Server.Stats"}
	step6  = labkit.Step{Lab: lab, N: 6, What: "the race hunt fixes (set RaceHuntFixed = true when done)"}
)

// Cache is what the lab's *Cache offers.
type Cache interface {
	Get(ctx context.Context, key string) (string, error)
	GetMany(ctx context.Context, keys []string) ([]string, error)
}

// failAfter is a safety net for a wrong implementation that would hang the
// suite (say, a lock held across the backend call, which synctest cannot see
// through): it fails loudly instead of waiting for go test's 10 minutes. It
// never synchronises anything in a passing run.
const failAfter = 20 * time.Second

func watchdog(what string) (stop func()) {
	timer := time.AfterFunc(failAfter, func() {
		panic(fmt.Sprintf("syncprims: %s did not finish in %v; is a lock held while calling the backend, or a caller not returning when its context ends?", what, failAfter))
	})
	return func() { timer.Stop() }
}

// TestCache: step 1, the RWMutex read-through cache.
func TestCache[C Cache](t *testing.T, newCache func(LoadFunc) C) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		b := newBackend()
		cache := newCache(serveBackend(t, tr, b))

		for range 3 {
			v, err := cache.Get(t.Context(), "a")
			step1.Require(t, err)
			if v != "A" {
				t.Fatalf(`Get("a") = %q, want "A"`, v)
			}
		}
		if n := b.calls.Load(); n != 1 {
			t.Fatalf("three Gets of one key made %d backend calls, want 1: a hit must not reach the backend", n)
		}

		for i := range 2 {
			_, err := cache.Get(t.Context(), "missing")
			if step1.Check(t, err) == nil {
				t.Fatal(`Get("missing") succeeded; the backend answered NotFound`)
			}
			if got := status.Code(err); got != codes.NotFound {
				t.Fatalf(`Get("missing"): code %v, want NotFound: return the backend's error as it is (%v)`, got, err)
			}
			if n, want := b.calls.Load(), int64(2+i); n != want {
				t.Fatalf("after %d failed Gets the backend saw %d calls, want %d: errors must not be cached", i+1, n, want)
			}
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		// -race watches the map: every hit and fill from 64 goroutines.
		cache := newCache(serveBackend(t, labkit.Bufconn, newBackend()))
		keys := []string{"a", "b", "c", "d"}
		errs := make(chan error, 64)
		var wg sync.WaitGroup
		for i := range 64 {
			wg.Go(func() {
				key := keys[i%len(keys)]
				v, err := cache.Get(t.Context(), key)
				if err == nil && v != strings.ToUpper(key) {
					err = fmt.Errorf("Get(%q) = %q, want %q", key, v, strings.ToUpper(key))
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			step1.Require(t, err)
		}
	})

	t.Run("hits_do_not_wait_for_misses", func(t *testing.T) {
		b := newBackend("slow")
		cache := newCache(serveBackend(t, labkit.Bufconn, b))
		var wg sync.WaitGroup
		defer wg.Wait()
		defer b.openAll()

		_, err := cache.Get(t.Context(), "hot")
		step1.Require(t, err)

		slow := make(chan error, 1)
		wg.Go(func() { _, err := cache.Get(t.Context(), "slow"); slow <- err })
		<-b.entered
		// The miss for "slow" is now waiting in the backend. A hit must not
		// wait for it: no lock may be held across the backend call.
		hit := make(chan error, 1)
		wg.Go(func() { _, err := cache.Get(t.Context(), "hot"); hit <- err })
		select {
		case err := <-hit:
			step1.Require(t, err)
		case <-time.After(5 * time.Second):
			t.Fatal(`a cache hit for "hot" waited more than 5s behind a slow miss for "slow": release the lock before calling the backend`)
		}
		b.open("slow")
		step1.Require(t, <-slow)
	})
}
