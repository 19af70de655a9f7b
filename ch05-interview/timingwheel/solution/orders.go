package solution

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Order states.
const (
	Pending   = "pending"
	Paid      = "paid"
	Cancelled = "cancelled"
)

var (
	// ErrExpired: the order was cancelled before it was paid.
	ErrExpired = errors.New("the order expired before it was paid")
	// ErrUnknown: no such order.
	ErrUnknown = errors.New("no such order")
)

// Orders cancels every order not paid within a timeout, with one timer per
// order on a shared wheel: placing and paying are O(1), and a million
// pending orders cost a million small structs, not a million goroutines
// or runtime timers.
type Orders struct {
	w       *Wheel
	timeout time.Duration
	mu      sync.Mutex
	orders  map[string]*order
}

type order struct {
	state string
	timer *Timer
}

// NewOrders returns an order book on w cancelling unpaid orders after
// timeout.
func NewOrders(w *Wheel, timeout time.Duration) *Orders {
	return &Orders{w: w, timeout: timeout, orders: map[string]*order{}}
}

// Place records a pending order and schedules its cancellation.
func (o *Orders) Place(id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.orders[id]; ok {
		return fmt.Errorf("order %q exists", id)
	}
	ord := &order{state: Pending}
	o.orders[id] = ord
	// Under o.mu: the callback takes o.mu too, and the wheel runs
	// callbacks outside its own lock, so there is no lock-order cycle.
	ord.timer = o.w.Add(o.timeout, func() { o.expire(ord) })
	return nil
}

// Pay marks a pending order paid. Paying and expiring race at the
// deadline; the wheel's Stop settles it: it returns true only if the
// cancellation will never run.
func (o *Orders) Pay(id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	ord, ok := o.orders[id]
	switch {
	case !ok:
		return ErrUnknown
	case ord.state == Paid:
		return nil // paying twice is paying once
	case ord.state == Cancelled || !ord.timer.Stop():
		// Stop false: the cancellation fired and is waiting for o.mu.
		ord.state = Cancelled
		return ErrExpired
	}
	ord.state = Paid
	return nil
}

// State returns the order's state ("" for an unknown one).
func (o *Orders) State(id string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if ord, ok := o.orders[id]; ok {
		return ord.state
	}
	return ""
}

// expire is an order's cancellation.
func (o *Orders) expire(ord *order) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if ord.state == Pending {
		ord.state = Cancelled
	}
}
