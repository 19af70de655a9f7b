// Package exercise is your copy of the timingwheel drill: a hierarchical
// timing wheel, the delay queue behind "cancel the order if it is not paid
// in 30 minutes". README.md walks you through it, step by step.
package exercise

import (
	"time"

	"github.com/grpclabs/labs/scripts/labkit"
)

// Wheel is a timing wheel: size slots of tick each (step 1), with overflow
// wheels for timers beyond one turn (step 2). A timer fires at the first
// tick boundary at or after its due time: never early, late by less than
// a tick. Safe for concurrent use; callbacks run outside the wheel's lock.
type Wheel struct {
	// Steps 1 and 2: your fields.
}

// Timer is one scheduled callback.
type Timer struct {
	// Step 1: your fields.
}

// New returns a wheel of size slots of tick each, whose time starts at
// start (rounded down to a tick). tick <= 0 or size < 2 is an error.
//
// Step 1.
func New(tick time.Duration, size int, start time.Time) (*Wheel, error) {
	return nil, labkit.TODO("New")
}

// Now is the wheel's time: the last tick it advanced to.
//
// Step 1.
func (w *Wheel) Now() time.Time { return time.Time{} }

// Len is the number of pending timers.
//
// Step 1.
func (w *Wheel) Len() int { return 0 }

// Add schedules f to run d after the wheel's current time (a d of zero or
// less: at the next tick).
//
// Step 1 (delays within one turn), step 2 (any delay). Until you write it,
// it returns nil.
func (w *Wheel) Add(d time.Duration, f func()) *Timer {
	return nil
}

// Stop cancels t and reports whether it did so before t fired: true means
// f will never run.
//
// Step 1.
func (t *Timer) Stop() bool { return false }

// Advance moves the wheel's time to to (rounded down to a tick) and runs
// every timer due by then, earliest first. Earlier times are ignored.
//
// Steps 1 and 2.
func (w *Wheel) Advance(to time.Time) {}
