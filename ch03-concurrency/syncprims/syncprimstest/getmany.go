package syncprimstest

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/grpclabs/labs/scripts/labkit"
)

// TestGetMany: step 4, fan-out with WaitGroup.Go, results in key order.
func TestGetMany[C Cache](t *testing.T, newCache func(LoadFunc) C) {
	t.Run("concurrent", func(t *testing.T) {
		// A t.Skip inside a synctest bubble is reported as a pass (measured
		// with Go 1.26): probe for the TODO signal outside the bubble first.
		upper := func(_ context.Context, key string) (string, error) { return strings.ToUpper(key), nil }
		_, err := newCache(upper).Get(t.Context(), "a") // GetMany builds on Get
		step1.Require(t, err)
		_, err = newCache(upper).GetMany(t.Context(), []string{"a"})
		step4.Check(t, err)

		defer watchdog("TestGetMany/concurrent")()
		synctest.Test(t, func(t *testing.T) {
			keys := []string{"a", "b", "c", "d"}
			b := newBackend(keys...)
			defer b.openAll()
			load := serveBackend(t, labkit.Bufconn, b)

			// "a" answers at once; the other three wait in the backend.
			b.open("a")
			cache := newCache(load)
			type out struct {
				vals []string
				err  error
			}
			done := make(chan out, 1)
			go func() {
				vals, err := cache.GetMany(t.Context(), keys)
				done <- out{vals, err}
			}()
			synctest.Wait()
			inFlight := b.calls.Load()
			b.openAll()
			r := <-done
			step4.Require(t, r.err)
			if inFlight != int64(len(keys)) {
				t.Fatalf("while the backend was slow, GetMany had %d of %d lookups running: start one goroutine per key (wg.Go) instead of looking them up one by one", inFlight, len(keys))
			}
			if got, want := strings.Join(r.vals, ","), "A,B,C,D"; got != want {
				t.Fatalf("GetMany(%v) = %v, want [%s] in the order of the keys", keys, r.vals, strings.ReplaceAll(want, ",", " "))
			}
		})
	})

	t.Run("partial_failure", func(t *testing.T) {
		cache := newCache(serveBackend(t, labkit.Bufconn, newBackend()))
		_, err := cache.Get(t.Context(), "a") // GetMany builds on Get (step 1)
		step1.Require(t, err)
		vals, err := cache.GetMany(t.Context(), []string{"a", "missing", "c", "gone"})
		if step4.Check(t, err) == nil {
			t.Fatal("GetMany with two unknown keys returned no error")
		}
		for _, k := range []string{`"missing"`, `"gone"`} {
			if !strings.Contains(err.Error(), k) {
				t.Errorf("GetMany error %q does not name key %s: wrap each failure with its key and join them (errors.Join)", err, k)
			}
		}
		if len(vals) != 4 || vals[0] != "A" || vals[1] != "" || vals[2] != "C" || vals[3] != "" {
			t.Fatalf(`GetMany values = %q, want ["A" "" "C" ""]: keep the values that worked, "" where a key failed`, vals)
		}

		vals, err = cache.GetMany(t.Context(), nil)
		step4.Require(t, err)
		if len(vals) != 0 {
			t.Fatalf("GetMany(nil) = %q, want no values", vals)
		}
	})
}
