package timingwheeltest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/grpclabs/labs/scripts/labkit"
)

// probeRun stops the test with step 3's TODO before a bubble starts (a
// skip inside one reads as a pass).
func probeRun[T Timer, W Wheel[T]](t *testing.T, l Lab[T, W]) {
	t.Helper()
	w := newWheel(t, l, step1, time.Second, 8)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := w.Run(ctx)
	if step3.Check(t, err); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run with a cancelled context = %v, want context.Canceled", err)
	}
	o := l.NewOrders(w, time.Minute)
	step3.Check(t, o.Place("probe"))
}

// TestRun: step 3, the wheel driven by a real ticker, on the bubble's clock.
func TestRun[T Timer, W Wheel[T]](t *testing.T, l Lab[T, W]) {
	probeRun(t, l)
	labkit.Bubble(t, func(t *testing.T) {
		begin := time.Now()
		w, err := l.New(100*time.Millisecond, 16, begin)
		step3.Require(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		var (
			mu    sync.Mutex
			fired = map[string]time.Duration{}
		)
		at := func(name string) func() {
			return func() { mu.Lock(); fired[name] = time.Since(begin); mu.Unlock() }
		}
		w.Add(time.Second, at("1s"))
		w.Add(250*time.Millisecond, at("250ms"))
		w.Add(10*time.Second, at("10s"))
		stopped := w.Add(5*time.Second, at("stopped"))
		time.Sleep(3 * time.Second)
		stopped.Stop()
		time.Sleep(10 * time.Second)
		synctest.Wait()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v after its context was cancelled, want context.Canceled", err)
		}
		mu.Lock()
		defer mu.Unlock()
		want := map[string]time.Duration{"1s": time.Second, "250ms": 300 * time.Millisecond, "10s": 10 * time.Second}
		if fmt.Sprint(fired) != fmt.Sprint(want) {
			t.Errorf("timers fired at %v after the start; want %v (the first 100ms tick at or after each due time)", fired, want)
		}
	})
}

// TestOrders: step 3, the question itself: cancel every order not paid
// within 30 minutes.
func TestOrders[T Timer, W Wheel[T]](t *testing.T, l Lab[T, W]) {
	probeRun(t, l)
	labkit.Bubble(t, func(t *testing.T) {
		const timeout = 30 * time.Minute
		begin := time.Now()
		w, err := l.New(time.Second, 60, begin)
		step3.Require(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		defer func() { cancel(); <-done }()
		o := l.NewOrders(w, timeout)

		for i := range 1000 {
			step3.Require(t, o.Place(fmt.Sprintf("early-%d", i)))
		}
		if err := o.Place("early-0"); err == nil {
			t.Error("placing an order id twice succeeded")
		}
		time.Sleep(10 * time.Minute)
		for i := range 1000 {
			step3.Require(t, o.Place(fmt.Sprintf("late-%d", i)))
		}
		time.Sleep(5 * time.Minute) // 15:00
		for i := 0; i < 1000; i += 2 {
			if err := o.Pay(fmt.Sprintf("early-%d", i)); err != nil {
				t.Fatalf("paying early-%d at 15:00: %v", i, err)
			}
		}
		if err := o.Pay("early-0"); err != nil {
			t.Errorf("paying an order twice = %v, want nil (a retry of a payment)", err)
		}
		if err := o.Pay("nobody"); err == nil {
			t.Error("paying an unknown order succeeded")
		}
		// 29:59: nothing is cancelled a second early.
		time.Sleep(timeout - 15*time.Minute - time.Second)
		synctest.Wait()
		if s := o.State("early-1"); s != "pending" {
			t.Fatalf("at 29:59 an unpaid order is %q, want pending", s)
		}
		time.Sleep(time.Second) // 30:00
		synctest.Wait()
		count := func(prefix, state string) int {
			n := 0
			for i := range 1000 {
				if o.State(fmt.Sprintf("%s-%d", prefix, i)) == state {
					n++
				}
			}
			return n
		}
		if c, p := count("early", "cancelled"), count("early", "paid"); c != 500 || p != 500 {
			t.Errorf("at 30:00: %d of the first orders cancelled, %d paid; want 500 and 500", c, p)
		}
		if n := count("late", "pending"); n != 1000 {
			t.Errorf("at 30:00: %d of the orders placed at 10:00 pending, want all 1000", n)
		}
		if err := o.Pay("early-1"); !errors.Is(err, l.ErrExpired) {
			t.Errorf("paying a cancelled order = %v, want ErrExpired", err)
		}
		// 40:00, the deadline of the late orders: pay half of them at that
		// very instant, racing their cancellation. Each ends one way.
		time.Sleep(10*time.Minute - time.Second) // 39:59
		synctest.Wait()
		time.Sleep(time.Second)
		results := map[string]error{}
		for i := range 1000 {
			id := fmt.Sprintf("late-%d", i)
			if i%2 == 0 {
				results[id] = o.Pay(id)
			}
		}
		synctest.Wait()
		for id, err := range results {
			switch s := o.State(id); {
			case err == nil && s != "paid", errors.Is(err, l.ErrExpired) && s != "cancelled":
				t.Fatalf("%s: Pay at its deadline returned %v but the order is %q: an order is either paid or cancelled, and Pay must say which", id, err, s)
			case err != nil && !errors.Is(err, l.ErrExpired):
				t.Fatalf("%s: Pay = %v", id, err)
			}
		}
		if n := count("late", "pending"); n != 0 {
			t.Errorf("at 40:00 %d late orders are still pending", n)
		}
	})
}
