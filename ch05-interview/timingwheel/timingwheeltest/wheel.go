package timingwheeltest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/grpclabs/labs/scripts/labkit"
)

// newWheel calls New, handing a TODO to step.
func newWheel[T Timer, W Wheel[T]](t *testing.T, l Lab[T, W], step labkit.Step, tick time.Duration, size int) W {
	t.Helper()
	w, err := l.New(tick, size, start)
	step.Require(t, err)
	return w
}

// add schedules a timer and stops with step 1's TODO while Add returns
// nothing.
func add[T Timer](t *testing.T, w Wheel[T], d time.Duration, f func()) T {
	t.Helper()
	tm := w.Add(d, f)
	if reflect.ValueOf(tm).IsNil() {
		step1.Check(t, labkit.TODO("Wheel.Add"))
	}
	return tm
}

// run schedules n timers with delays from delay(i), advances the wheel in
// steps from next(), stopping the timers stop(i) says to at the start,
// and checks each fired in the first Advance that reached its due time
// rounded up to the tick, in due order, and that stopped ones never fired.
func run[T Timer](t *testing.T, w Wheel[T], tick time.Duration, n int, delay func(int) time.Duration, stop func(int) bool, next func() time.Duration) {
	t.Helper()
	type rec struct {
		fireAt  time.Time
		firedIn time.Time // the Advance target during which it fired
		fired   int
	}
	var (
		mu    sync.Mutex
		recs  = make([]rec, n)
		order []int
		to    time.Time
	)
	now := w.Now()
	timers := make([]T, n)
	for i := range n {
		d := delay(i)
		recs[i].fireAt = ceilTick(now.Add(max(d, 1)), tick)
		timers[i] = add(t, w, d, func() {
			mu.Lock()
			defer mu.Unlock()
			recs[i].fired++
			recs[i].firedIn = to
			order = append(order, i)
		})
	}
	stopped := 0
	for i := range n {
		if stop(i) {
			if !timers[i].Stop() {
				t.Fatalf("Stop of timer %d before it was due = false; want true", i)
			}
			stopped++
		}
	}
	if got := w.Len(); got != n-stopped {
		t.Errorf("Len = %d after %d Adds and %d Stops, want %d", got, n, stopped, n-stopped)
	}
	var last time.Time
	for _, r := range recs {
		last = maxTime(last, r.fireAt)
	}
	prev := now
	for prev.Before(last) {
		mu.Lock()
		to = prev.Add(next())
		mu.Unlock()
		w.Advance(to)
		mu.Lock()
		for i, r := range recs {
			due := !r.fireAt.After(to) && r.fireAt.After(prev)
			switch {
			case stop(i) && r.fired > 0:
				t.Fatalf("timer %d was stopped, yet it fired", i)
			case stop(i):
			case r.fired > 1:
				t.Fatalf("timer %d fired %d times", i, r.fired)
			case due && r.fired == 0:
				t.Fatalf("timer %d (delay %v) is due at %v but did not fire when the wheel advanced from %v to %v", i, delay(i), r.fireAt.Sub(now), prev.Sub(now), to.Sub(now))
			case r.fired == 1 && r.firedIn.Equal(to) && !due:
				t.Fatalf("timer %d (delay %v, due at %v rounded up to the tick) fired early, when the wheel advanced from %v to %v", i, delay(i), r.fireAt.Sub(now), prev.Sub(now), to.Sub(now))
			}
		}
		mu.Unlock()
		prev = to
		if !w.Now().Equal(to.Truncate(tick)) {
			t.Fatalf("after Advance(%v), Now = %v", to.Sub(now), w.Now().Sub(now))
		}
	}
	for i := 1; i < len(order); i++ {
		if recs[order[i]].fireAt.Before(recs[order[i-1]].fireAt) {
			t.Fatalf("timer %d (due %v) fired after timer %d (due %v): within one Advance, earliest first",
				order[i-1], recs[order[i-1]].fireAt.Sub(now), order[i], recs[order[i]].fireAt.Sub(now))
		}
	}
	if got := w.Len(); got != 0 {
		t.Errorf("Len = %d after every timer fired or stopped", got)
	}
	for i, tm := range timers {
		if tm.Stop() {
			t.Fatalf("Stop of timer %d after it fired or was stopped = true; want false", i)
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// TestWheel: step 1, one wheel: timers within one turn.
func TestWheel[T Timer, W Wheel[T]](t *testing.T, l Lab[T, W]) {
	const tick, size = 10 * time.Millisecond, 64 // one turn: 640ms
	t.Run("bad wheels", func(t *testing.T) {
		for _, c := range []struct {
			tick time.Duration
			size int
		}{{0, 8}, {-time.Second, 8}, {time.Second, 1}, {time.Second, 0}} {
			if _, err := l.New(c.tick, c.size, start); step1.Check(t, err) == nil {
				t.Errorf("New(%v, %d) succeeded; want an error", c.tick, c.size)
			}
		}
	})
	t.Run("rounding", func(t *testing.T) {
		w := newWheel(t, l, step1, tick, size)
		if !w.Now().Equal(start) {
			t.Fatalf("Now = %v, want the start %v", w.Now(), start)
		}
		fired := map[string]time.Duration{}
		var mu sync.Mutex
		for name, d := range map[string]time.Duration{"25ms": 25 * time.Millisecond, "30ms": 30 * time.Millisecond, "0": 0, "-5ms": -5 * time.Millisecond, "1ns": 1} {
			add(t, w, d, func() {
				mu.Lock()
				defer mu.Unlock()
				fired[name] = w.Now().Sub(start)
			})
		}
		for i := 1; i <= 5; i++ {
			w.Advance(start.Add(time.Duration(i) * tick))
		}
		want := map[string]time.Duration{"25ms": 30 * time.Millisecond, "30ms": 30 * time.Millisecond, "0": tick, "-5ms": tick, "1ns": tick}
		if !reflect.DeepEqual(fired, want) {
			t.Errorf("timers fired at %v; want %v: at the first tick at or after the due time (a delay of 0 or less: the next tick)", fired, want)
		}
		w.Advance(start) // the past: ignored
		if !w.Now().Equal(start.Add(5 * tick)) {
			t.Errorf("Advance to an earlier time moved Now to %v", w.Now())
		}
	})
	t.Run("reference", func(t *testing.T) {
		w := newWheel(t, l, step1, tick, size)
		r := rand.New(rand.NewPCG(1, 1))
		delays := make([]time.Duration, 500)
		for i := range delays {
			delays[i] = time.Duration(r.Int64N(int64(tick * (size - 1))))
		}
		run(t, w, tick, len(delays), func(i int) time.Duration { return delays[i] }, func(i int) bool { return i%5 == 0 },
			func() time.Duration { return time.Duration(1+r.IntN(3)) * tick / 2 })
	})
	t.Run("callbacks add and stop", func(t *testing.T) {
		w := newWheel(t, l, step1, tick, size)
		var (
			mu    sync.Mutex
			log   []string
			later T
		)
		note := func(s string) func() {
			return func() { mu.Lock(); log = append(log, fmt.Sprintf("%s@%v", s, w.Now().Sub(start))); mu.Unlock() }
		}
		later = add(t, w, 50*time.Millisecond, note("later"))
		add(t, w, 10*time.Millisecond, func() {
			note("first")()
			w.Add(20*time.Millisecond, note("added by first"))
			if !later.Stop() {
				t.Error("a callback could not stop a pending timer")
			}
		})
		for i := 1; i <= 6; i++ {
			w.Advance(start.Add(time.Duration(i) * tick))
		}
		if want := []string{"first@10ms", "added by first@30ms"}; !slices.Equal(log, want) {
			t.Errorf("callbacks ran as %v, want %v", log, want)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		w := newWheel(t, l, step1, tick, size)
		add(t, w, tick, func() {})
		var wg sync.WaitGroup
		var fired sync.Map
		for g := range 4 {
			wg.Go(func() {
				for i := range 200 {
					id := g*1000 + i
					tm := w.Add(time.Duration(1+i%60)*tick, func() { fired.Store(id, true) })
					if i%2 == 0 && tm.Stop() {
						fired.Store(-id-1, true) // stopped: must never fire
					}
				}
			})
		}
		wg.Go(func() {
			for i := 1; i <= 100; i++ {
				w.Advance(start.Add(time.Duration(i) * tick))
			}
		})
		wg.Wait()
		fired.Range(func(k, _ any) bool {
			if id := k.(int); id < 0 {
				if _, ok := fired.Load(-id - 1); ok {
					t.Errorf("timer %d fired although Stop returned true", -id-1)
				}
			}
			return true
		})
	})
}

// TestHierarchy: step 2, timers beyond one turn go to overflow wheels and
// cascade down as time passes, still firing at the right tick.
func TestHierarchy[T Timer, W Wheel[T]](t *testing.T, l Lab[T, W]) {
	t.Run("random delays", func(t *testing.T) {
		const tick, size = time.Millisecond, 8 // one turn: 8ms; 10s needs 5 levels
		w := newWheel(t, l, step1, tick, size)
		r := rand.New(rand.NewPCG(2, 2))
		delays := make([]time.Duration, 2000)
		for i := range delays {
			delays[i] = time.Duration(r.Int64N(int64(10 * time.Second)))
		}
		run(t, w, tick, len(delays), func(i int) time.Duration { return delays[i] }, func(i int) bool { return i%7 == 0 },
			func() time.Duration { return time.Duration(1 + r.Int64N(int64(50*time.Millisecond))) })
	})
	t.Run("one turn exactly", func(t *testing.T) {
		const tick, size = time.Second, 60
		w := newWheel(t, l, step1, tick, size)
		delays := []time.Duration{59 * time.Second, 60 * time.Second, 61 * time.Second, 3600 * time.Second, 3601 * time.Second, 3599 * time.Second}
		run(t, w, tick, len(delays), func(i int) time.Duration { return delays[i] }, func(int) bool { return false },
			func() time.Duration { return tick })
	})
	t.Run("thirty days", func(t *testing.T) {
		// An order that must be cancelled in 30 days, on a 1-second wheel
		// of 60 slots; the wheel advances in 1-hour jumps.
		const tick, size = time.Second, 60
		w := newWheel(t, l, step1, tick, size)
		var at time.Time
		add(t, w, 30*24*time.Hour+1500*time.Millisecond, func() { at = w.Now() })
		for i := 1; at.IsZero() && i <= 30*24+1; i++ {
			w.Advance(start.Add(time.Duration(i) * time.Hour))
		}
		if want := start.Add(30*24*time.Hour + 2*time.Second); !at.Equal(want) {
			t.Errorf("a timer due in 30 days and 1.5s fired at %v, want %v (rounded up to the tick)", at.Sub(start), want.Sub(start))
		}
	})
}
