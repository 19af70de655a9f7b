// Package timingwheeltest is the timingwheel drill's suite. The exercise
// and the solution both run it through their one-screen *_test.go files.
//
// A timing wheel is driven by time, so most of the suite drives it by
// hand, Advance by Advance, and checks every timer against a reference:
// it must fire in the first Advance that reaches its due time rounded up
// to a tick, never earlier. Run, which drives it from a real ticker, is
// tested in a testing/synctest bubble, where a 30-minute order timeout
// passes in microseconds and "exactly at 30:00" is an exact assertion.
package timingwheeltest

import (
	"context"
	"time"

	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch05-interview/timingwheel"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "the wheel"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "Wheel.Run and Orders"}
)

// Timer is a scheduled callback.
type Timer interface{ Stop() bool }

// Wheel is what the suite needs of the drill's wheel; T is its timer type.
type Wheel[T Timer] interface {
	Add(d time.Duration, f func()) T
	Advance(to time.Time)
	Now() time.Time
	Len() int
	Run(ctx context.Context) error
}

// Orders is the drill's order book.
type Orders interface {
	Place(id string) error
	Pay(id string) error
	State(id string) string
}

// Step 2 (overflow wheels) has nothing new to construct: its test fails
// with what fired when, until the wheel handles delays beyond one turn.

// Lab is one implementation of the drill.
type Lab[T Timer, W Wheel[T]] struct {
	New        func(tick time.Duration, size int, start time.Time) (W, error)
	NewOrders  func(w W, timeout time.Duration) Orders
	ErrExpired error
}

// start is where the hand-driven wheels begin: a tick boundary.
var start = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// ceilTick is when a timer due at due fires on a wheel of tick.
func ceilTick(due time.Time, tick time.Duration) time.Time {
	t := due.Truncate(tick)
	if t.Before(due) {
		t = t.Add(tick)
	}
	return t
}
