// Package solution is the reference for the timingwheel drill: a
// hierarchical timing wheel (the structure behind Kafka's request
// purgatory and Netty's HashedWheelTimer) as a delay queue for "cancel the
// order if it is not paid in 30 minutes". README.md explains the design.
package solution

import (
	"fmt"
	"sync"
	"time"
)

// Wheel is a hierarchical timing wheel. Level 0 has size slots of tick
// each; a timer due further out than one turn goes to an overflow wheel
// whose slots are a whole turn of the level below, created when first
// needed, and so on. Adding and stopping a timer is O(1) whatever the
// number of timers; time advances slot by slot, and a slot of an overflow
// wheel, when its turn comes, pours its timers back into the wheel below
// (cascading), closer to their slot.
//
// A timer fires at the first tick boundary at or after its due time:
// never early, late by less than a tick. Safe for concurrent use;
// callbacks run outside the wheel's lock, so they may Add and Stop.
type Wheel struct {
	mu     sync.Mutex
	tick   time.Duration
	size   int
	origin time.Time // tick boundaries are origin + k*tick
	now    int64     // the current tick, counted from origin
	levels []*level  // levels[0] is the finest
	count  int
}

// level is one wheel: size slots of span ticks each. A slot is a ring of
// timers linked through the timers themselves, around a sentinel: adding
// and removing allocate nothing (container/list would allocate an Element
// per timer).
type level struct {
	span  int64 // ticks per slot: size^index
	slots []Timer
	n     int // timers in this level
}

// Timer is one scheduled callback.
type Timer struct {
	w          *Wheel
	due        int64 // the tick it fires at
	f          func()
	level      *level
	prev, next *Timer // its slot's ring, while pending
	state      int    // pending, fired or stopped
}

// push appends t to the ring of sentinel s.
func push(s, t *Timer) {
	t.prev, t.next = s.prev, s
	s.prev.next = t
	s.prev = t
}

// unlink takes t out of its ring.
func unlink(t *Timer) {
	t.prev.next, t.next.prev = t.next, t.prev
	t.prev, t.next = nil, nil
}

const (
	pending = iota
	fired
	stopped
)

// New returns a wheel of size slots of tick each, whose time starts at
// start (rounded down to a tick).
func New(tick time.Duration, size int, start time.Time) (*Wheel, error) {
	if tick <= 0 || size < 2 {
		return nil, fmt.Errorf("timingwheel: tick %v must be positive and size %d at least 2", tick, size)
	}
	w := &Wheel{tick: tick, size: size, origin: start.Truncate(tick)}
	w.levels = []*level{w.newLevel(1)}
	return w, nil
}

func (w *Wheel) newLevel(span int64) *level {
	l := &level{span: span, slots: make([]Timer, w.size)}
	for i := range l.slots {
		s := &l.slots[i]
		s.prev, s.next = s, s
	}
	return l
}

// Now is the wheel's time: the last tick it advanced to.
func (w *Wheel) Now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.at(w.now)
}

func (w *Wheel) at(tick int64) time.Time { return w.origin.Add(time.Duration(tick) * w.tick) }

// Len is the number of pending timers.
func (w *Wheel) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.count
}

// Add schedules f to run d after the wheel's current time. A d of zero or
// less runs at the next Advance.
func (w *Wheel) Add(d time.Duration, f func()) *Timer {
	w.mu.Lock()
	defer w.mu.Unlock()
	// Round up: a timer due between two ticks fires at the later one.
	due := w.now + int64((d+w.tick-1)/w.tick)
	if d <= 0 {
		due = w.now + 1
	}
	t := &Timer{w: w, due: due, f: f}
	w.place(t)
	w.count++
	return t
}

// place puts t in the finest level whose slots reach its tick: level i
// holds the ticks whose slot, due/span, is less than a turn (size slots)
// ahead of the current one. A timer due at the current tick (cascaded down
// at the tick it is due) lands in the slot about to be run.
func (w *Wheel) place(t *Timer) {
	for i := 0; ; i++ {
		if i == len(w.levels) {
			w.levels = append(w.levels, w.newLevel(w.levels[i-1].span*int64(w.size)))
		}
		l := w.levels[i]
		if t.due/l.span-w.now/l.span < int64(w.size) {
			push(&l.slots[(t.due/l.span)%int64(w.size)], t)
			t.level = l
			l.n++
			return
		}
	}
}

// Stop cancels t. It reports whether it did so before t fired: true means
// f will never run; false means f has run or is running (or t was already
// stopped). Exactly one of "Stop returned true" and "f ran" happens.
func (t *Timer) Stop() bool {
	w := t.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if t.state != pending {
		return false
	}
	t.state = stopped
	unlink(t)
	t.level.n--
	t.level = nil
	w.count--
	return true
}

// Advance moves the wheel's time to to (rounded down to a tick) and runs
// every timer due by then, earliest first. Earlier times are ignored.
func (w *Wheel) Advance(to time.Time) {
	target := int64(to.Sub(w.origin) / w.tick)
	for {
		due := w.step(target)
		if due == nil {
			return
		}
		for _, t := range due {
			t.f()
		}
	}
}

// step moves towards target to the next tick at which a timer fires, and
// returns the timers that fired there, or nil once target is reached.
func (w *Wheel) step(target int64) []*Timer {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.now < target {
		// Skip the ticks where nothing can happen: with levels 0..i empty,
		// the next event is level i+1's next slot boundary (a cascade).
		next := w.now + 1
		for i := 0; i < len(w.levels) && w.levels[i].n == 0; i++ {
			if i == len(w.levels)-1 {
				next = target // nothing pending at all
				break
			}
			span := w.levels[i+1].span
			next = (w.now/span + 1) * span
		}
		if next > target {
			w.now = target
			return nil
		}
		w.now = next
		// Cascade: at the start of an overflow slot's turn, move its timers
		// down; each lands in the finest level that reaches it (level 0 for
		// those due within the coming tick's slot span).
		for i := len(w.levels) - 1; i >= 1; i-- {
			l := w.levels[i]
			if w.now%l.span != 0 {
				continue
			}
			s := &l.slots[(w.now/l.span)%int64(w.size)]
			for s.next != s {
				t := s.next
				unlink(t)
				l.n--
				w.place(t)
			}
		}
		l0 := w.levels[0]
		s := &l0.slots[w.now%int64(w.size)]
		if s.next == s {
			continue
		}
		var due []*Timer
		for s.next != s {
			t := s.next
			unlink(t)
			t.state, t.level = fired, nil
			due = append(due, t)
		}
		l0.n -= len(due)
		w.count -= len(due)
		return due
	}
	return nil
}
