package resiliencetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	"github.com/grpclabs/labs/scripts/labkit"
)

// arrival is one event of a bucket script: at an offset from the start,
// n tokens asked for, by AllowN or ReserveN.
type arrival struct {
	at      time.Duration
	n       int
	reserve bool
}

func (a arrival) String() string {
	verb := "AllowN"
	if a.reserve {
		verb = "ReserveN"
	}
	return fmt.Sprintf("%s(%d) at %v", verb, a.n, a.at)
}

// TestTokenBucket: step 4, a token bucket that decides exactly as
// x/time/rate does, on the same arrivals.
func TestTokenBucket(t *testing.T, l Lab) {
	for _, bad := range []struct {
		r float64
		b int
	}{{0, 1}, {-1, 1}, {1, 0}} {
		if _, err := l.NewTokenBucket(bad.r, bad.b); step4.Check(t, err) == nil {
			t.Errorf("NewTokenBucket(%v, %d) succeeded; want an error", bad.r, bad.b)
		}
	}
	_, err := l.NewTokenBucket(1, 1)
	step4.Require(t, err)

	t.Run("burst_then_rate", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			b, _ := l.NewTokenBucket(10, 5)
			for i := range 5 {
				if !b.AllowN(1) {
					t.Fatalf("event %d of a burst of 5 refused: a full bucket of 5 lets 5 through at once", i+1)
				}
			}
			if b.AllowN(1) {
				t.Fatal("the 6th event at the same instant was allowed; the bucket is empty")
			}
			time.Sleep(99 * time.Millisecond)
			if b.AllowN(1) {
				t.Fatal("allowed after 99ms; at 10/s the next token takes 100ms")
			}
			time.Sleep(time.Millisecond)
			if !b.AllowN(1) {
				t.Fatal("refused after 100ms; at 10/s a token is back")
			}
			if wait, ok := b.ReserveN(3); !ok || wait != 300*time.Millisecond {
				t.Fatalf("ReserveN(3) on an empty bucket = %v, %v; want 300ms, true (it takes the tokens now and the caller waits)", wait, ok)
			}
			if b.AllowN(1) {
				t.Fatal("AllowN right after a reservation went into debt was allowed")
			}
			if got := b.Tokens(); got != -3 {
				t.Errorf("Tokens() = %v after reserving 3 from an empty bucket, want -3", got)
			}
			if _, ok := b.ReserveN(6); ok {
				t.Error("ReserveN(6) with burst 5 succeeded; more than the bucket can hold can never be granted")
			}
			if got := b.Tokens(); got != -3 {
				t.Errorf("Tokens() = %v after a refused ReserveN, want -3 still: a refusal takes nothing", got)
			}
		})
	})

	type config struct {
		r float64
		b int
	}
	scripts := map[string][]arrival{}
	burst := func(at time.Duration, k, n int, reserve bool) (as []arrival) {
		for range k {
			as = append(as, arrival{at, n, reserve})
		}
		return as
	}
	scripts["burst_of_15"] = burst(0, 15, 1, false)
	scripts["steady_50ms"] = nil
	for i := range 40 {
		scripts["steady_50ms"] = append(scripts["steady_50ms"], arrival{time.Duration(i) * 50 * time.Millisecond, 1, false})
	}
	scripts["reserve_then_allow"] = append(append(burst(0, 3, 2, true), burst(250*time.Millisecond, 4, 1, false)...), burst(1700*time.Millisecond, 2, 3, true)...)
	rng := rand.New(rand.NewPCG(3, 4))
	for k := range 6 {
		var as []arrival
		at := time.Duration(0)
		for range 120 {
			at += time.Duration(rng.Int64N(int64(150 * time.Millisecond))) // odd nanoseconds too
			as = append(as, arrival{at, 1 + rng.IntN(3), rng.IntN(4) == 0})
		}
		scripts[fmt.Sprintf("random_%d", k)] = as
	}
	for _, c := range []config{{10, 5}, {3, 1}, {0.5, 2}, {1000, 20}, {7.3, 4}} {
		for name, as := range scripts {
			t.Run(fmt.Sprintf("like_x_time_rate/%v_per_s_burst_%d/%s", c.r, c.b, name), func(t *testing.T) {
				labkit.Bubble(t, func(t *testing.T) {
					ours, err := l.NewTokenBucket(c.r, c.b)
					step4.Require(t, err)
					ref := rate.NewLimiter(rate.Limit(c.r), c.b)
					start := time.Now()
					for i, a := range as {
						time.Sleep(time.Until(start.Add(a.at)))
						now := time.Now()
						if a.reserve {
							wait, ok := ours.ReserveN(a.n)
							r := ref.ReserveN(now, a.n)
							if ok != r.OK() || (ok && wait != r.DelayFrom(now)) {
								t.Fatalf("event %d, %v: ours = %v, %v; x/time/rate = %v, %v", i+1, a, wait, ok, r.DelayFrom(now), r.OK())
							}
						} else if got, want := ours.AllowN(a.n), ref.AllowN(now, a.n); got != want {
							t.Fatalf("event %d, %v: ours = %v, x/time/rate = %v (tokens before: ours %v, x/time/rate %v)", i+1, a, got, want, ours.Tokens(), ref.TokensAt(now))
						}
						if got, want := ours.Tokens(), ref.TokensAt(now); got != want {
							t.Fatalf("after event %d, %v: Tokens() = %v, x/time/rate has %v; use the same float64 arithmetic, and change the state only when tokens are taken", i+1, a, got, want)
						}
					}
				})
			})
		}
	}

	t.Run("concurrent", func(t *testing.T) {
		b, _ := l.NewTokenBucket(1e6, 100)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 1000 {
					b.AllowN(1)
					b.ReserveN(1)
					b.Tokens()
				}
			})
		}
		wg.Wait()
	})
}

// TestLeakyBucket: step 5, a leaky bucket that smooths a burst into an
// even flow with a bounded wait.
func TestLeakyBucket(t *testing.T, l Lab) {
	for _, bad := range []struct {
		r float64
		w time.Duration
	}{{0, time.Second}, {-2, time.Second}, {1, -time.Second}} {
		if _, err := l.NewLeakyBucket(bad.r, bad.w); step5.Check(t, err) == nil {
			t.Errorf("NewLeakyBucket(%v, %v) succeeded; want an error", bad.r, bad.w)
		}
	}
	_, err := l.NewLeakyBucket(1, 0)
	step5.Require(t, err)

	t.Run("burst_is_smoothed", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			b, _ := l.NewLeakyBucket(10, 250*time.Millisecond)
			start := time.Now()
			var mu sync.Mutex
			var released []time.Duration
			overflow := 0
			var wg sync.WaitGroup
			for range 5 {
				wg.Go(func() {
					err := b.Wait(t.Context())
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						released = append(released, time.Since(start))
					case errors.Is(err, policy.ErrOverflow):
						if time.Since(start) != 0 {
							t.Errorf("an overflow was reported after %v; it must be at once", time.Since(start))
						}
						overflow++
					default:
						t.Errorf("Wait = %v", err)
					}
				})
			}
			wg.Wait()
			want := []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond}
			if fmt.Sprint(released) != fmt.Sprint(want) || overflow != 2 {
				t.Fatalf("a burst of 5 at 10/s with a 250ms maximum wait: released at %v with %d overflows; want %v and 2 (the 4th and 5th turns are 300ms and 400ms away)", released, overflow, want)
			}
			time.Sleep(time.Second)
			t0 := time.Now()
			if err := b.Wait(t.Context()); err != nil || time.Since(t0) != 0 {
				t.Errorf("after a quiet second, Wait = %v after %v; want at once", err, time.Since(t0))
			}
		})
	})

	t.Run("like_x_time_rate_with_burst_1", func(t *testing.T) {
		// A leaky bucket is a token bucket of burst 1 whose callers wait:
		// x/time/rate's Wait with a deadline maxWait away gives the same
		// turns. Rates and arrivals are multiples of 1/16 s, which float64
		// holds exactly, so both compute the very same instants. (The
		// deadline is 1ns later than maxWait so rate's timer and the
		// deadline never fire at the same fake instant.)
		for _, c := range []struct {
			r       float64
			maxWait time.Duration
		}{{8, 250 * time.Millisecond}, {4, time.Second}, {16, 0}} {
			labkit.Bubble(t, func(t *testing.T) {
				ours, _ := l.NewLeakyBucket(c.r, c.maxWait)
				ref := rate.NewLimiter(rate.Limit(c.r), 1)
				rng := rand.New(rand.NewPCG(5, uint64(c.r)))
				start := time.Now()
				type result struct {
					i        int
					ok       bool
					released time.Duration
				}
				var wg sync.WaitGroup
				results := make(chan [2]result, 200)
				at := time.Duration(0)
				for i := range 60 {
					at += time.Duration(rng.IntN(4)) * 62500 * time.Microsecond
					time.Sleep(time.Until(start.Add(at)))
					ctx, cancel := context.WithTimeout(t.Context(), c.maxWait+time.Nanosecond)
					var ch [2]chan result
					for k, wait := range []func() error{func() error { return ours.Wait(t.Context()) }, func() error { return ref.Wait(ctx) }} {
						ch[k] = make(chan result, 1)
						go func() {
							err := wait()
							ch[k] <- result{i, err == nil, time.Since(start)}
						}()
						synctest.Wait() // let it take its turn before the next one asks
					}
					wg.Go(func() {
						defer cancel()
						results <- [2]result{<-ch[0], <-ch[1]}
					})
				}
				wg.Wait()
				close(results)
				for r := range results {
					if r[0] != r[1] {
						t.Errorf("rate %v/s, max wait %v, event %d: ours admitted=%v released at %v; x/time/rate admitted=%v released at %v",
							c.r, c.maxWait, r[0].i+1, r[0].ok, r[0].released, r[1].ok, r[1].released)
					}
				}
			})
		}
	})

	t.Run("caller_gives_up", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			b, _ := l.NewLeakyBucket(1, time.Hour)
			b.Wait(t.Context())
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			if err := b.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 200*time.Millisecond {
				t.Errorf("Wait with a 200ms deadline and a turn 1s away = %v after %v; want the context's error when it ends", err, time.Since(start))
			}
		})
	})
}
