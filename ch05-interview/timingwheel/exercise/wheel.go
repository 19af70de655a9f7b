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
	// Step 1: your fields (step 2 may add some).
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
// Step 1: delays within one turn go to a slot of this wheel. A timer due
// further out is w.overflow's (step 2): hand it over, and while overflow
// refuses, return nil. Until you write Add, it returns nil.
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
// Step 1: step towards to, tick by tick: the next tick is w.skip(now,
// target); at each, call w.cascade() (under the lock), then run the
// timers of this tick's slot outside the lock. skip and cascade are step
// 2's, and their stand-ins below are right for a single wheel.
func (w *Wheel) Advance(to time.Time) {}

// overflow puts t, due further out than one turn, on an overflow wheel
// whose slots are one whole turn of the wheel below, and so on up, and
// reports whether it did. Callers hold the wheel's lock.
//
// Step 2. The stand-in refuses: Add returns nil for such a timer.
func (w *Wheel) overflow(t *Timer) bool { return false }

// cascade runs at the start of each tick: every overflow slot whose turn
// starts now pours its timers back down, closer to their slot. Callers
// hold the wheel's lock.
//
// Step 2. The stand-in does nothing: right while there are no overflow
// wheels.
func (w *Wheel) cascade() {}

// skip returns the next tick after now (counted in ticks since the start)
// worth stepping to on the way to target. Callers hold the wheel's lock.
//
// Step 2: skip the ticks where nothing can happen, so that a 30-day timer
// on a 1-second wheel does not cost 2.6 million steps. The stand-in steps
// one tick at a time: right, but slow for a long jump.
func (w *Wheel) skip(now, target int64) int64 { return now + 1 }
