package exercise

import (
	"errors"
	"time"

	"github.com/grpclabs/labs/scripts/labkit"
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
// order on a shared wheel.
type Orders struct {
	w       *Wheel
	timeout time.Duration
	// Step 3: the orders.
}

// NewOrders returns an order book on w cancelling unpaid orders after
// timeout.
func NewOrders(w *Wheel, timeout time.Duration) *Orders {
	return &Orders{w: w, timeout: timeout}
}

// Place records a pending order (an id placed twice is an error) and
// schedules its cancellation.
//
// Step 3.
func (o *Orders) Place(id string) error {
	return labkit.TODO("Orders.Place")
}

// Pay marks a pending order paid (paying twice is paying once); an order
// already cancelled is ErrExpired, an unknown one ErrUnknown. At the
// deadline, paying and expiring race: the timer's Stop decides which won.
//
// Step 3.
func (o *Orders) Pay(id string) error {
	return labkit.TODO("Orders.Pay")
}

// State returns the order's state ("" for an unknown one).
//
// Step 3.
func (o *Orders) State(id string) string { return "" }
