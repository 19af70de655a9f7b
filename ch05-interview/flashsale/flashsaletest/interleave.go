package flashsaletest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grpclabs/labs/ch05-interview/flashsale/sale"
	"github.com/grpclabs/labs/scripts/labkit"
)

// The rush and the hammer run buyers on real cores, so whether two of
// them meet in the window between "read the count" and "write it back"
// is luck: a check-then-act bug that is no data race (an atomic Load,
// then an atomic Store) passed most runs of a hammer on a busy machine.
// The interleavings tests leave nothing to luck. The stock is built on a
// lock (MutexStock) or a counter (CASStock) that the suite hands it. The
// suite runs the buyers one at a time and may switch to another buyer
// after every call a buyer makes on that lock or counter; it tries every
// sequence of switches (with up to three preemptions) for two and three
// buyers and a stock of one or two items, and checks each outcome. A
// wrong Take fails on the first schedule that breaks it, every run, with
// or without -race.

// interleavings are the stocks and crowds every schedule is tried for:
// one item for two buyers (the oversell), two items for two and three
// (the lost sale: a buyer told "sold out" while an item is left), and
// three for three (a buyer who gives up after a retry or two).
var interleavings = []struct{ items, buyers int }{{1, 2}, {2, 2}, {2, 3}, {3, 3}}

// maxPreemptions bounds how often a schedule switches away from a buyer
// that could have gone on (switching when a buyer ends or waits for the
// lock is free). Every bug of this kind known to the suite needs at most
// two; three keeps three buyers' schedules in the hundreds.
const maxPreemptions = 2

// maxSteps bounds one schedule: a Take that needs more calls than that
// is spinning (a retry that never reads the count again).
const maxSteps = 200

// sched runs buyers one at a time. It is the sync.Locker and the
// sale.Counter the stock is built on: each call does what the real one
// would, then pauses the buyer that made it until the scheduler picks it
// again. Between schedules (free) calls act at once: the suite's own
// Left works as usual.
type sched struct {
	free    bool
	aborted bool // a schedule failed: calls act at once while buyers exit
	mu      sync.Mutex
	count   atomic.Int64

	cur    *buyer
	locked bool        // held by a buyer (while scheduled)
	calls  int         // calls on the lock or counter in this schedule
	trace  []string    // what the buyers did, for the failure message
	yield  chan string // the running buyer paused ("") or ended ("done")
}

type buyer struct {
	n       int
	grant   chan bool // true: run on; false: the schedule is over, exit
	blocked bool      // waiting for the lock
	done    bool
	id      int64
	ok      bool
	err     error
}

// told is what Take told the buyer.
func (b *buyer) told() string {
	switch {
	case b.err != nil:
		return fmt.Sprintf("error %v", b.err)
	case b.ok:
		return fmt.Sprintf("sold, order %d", b.id)
	default:
		return "sold out"
	}
}

func newSched() *sched { return &sched{free: true, yield: make(chan string)} }

func (s *sched) note(format string, args ...any) {
	s.calls++
	s.trace = append(s.trace, fmt.Sprintf("buyer %d ", s.cur.n)+fmt.Sprintf(format, args...))
}

// pause hands control back to the scheduler and waits to be picked.
func (s *sched) pause() {
	b := s.cur
	s.yield <- ""
	if !<-b.grant {
		runtime.Goexit() // the schedule was abandoned: end this buyer (its defers run)
	}
}

func (s *sched) scheduled() bool { return !s.free && !s.aborted }

func (s *sched) Lock() {
	if !s.scheduled() {
		if s.free {
			s.mu.Lock()
		}
		return
	}
	for s.locked {
		s.cur.blocked = true
		s.trace = append(s.trace, fmt.Sprintf("buyer %d Lock() waits", s.cur.n))
		s.pause()
	}
	s.cur.blocked = false
	s.locked = true
	s.note("Lock()")
	s.pause()
}

func (s *sched) Unlock() {
	if !s.scheduled() {
		if s.free {
			s.mu.Unlock()
		}
		return
	}
	if !s.locked {
		s.note("Unlock() of an unlocked mutex")
		return
	}
	s.locked = false
	s.note("Unlock()")
	s.pause()
}

func (s *sched) Load() int64 {
	v := s.count.Load()
	if s.scheduled() {
		s.note("Load() = %d", v)
		s.pause()
	}
	return v
}

func (s *sched) Store(v int64) {
	s.count.Store(v)
	if s.scheduled() {
		s.note("Store(%d)", v)
		s.pause()
	}
}

func (s *sched) Add(d int64) int64 {
	v := s.count.Add(d)
	if s.scheduled() {
		s.note("Add(%d) = %d", d, v)
		s.pause()
	}
	return v
}

func (s *sched) CompareAndSwap(old, new int64) bool {
	ok := s.count.CompareAndSwap(old, new)
	if s.scheduled() {
		s.note("CompareAndSwap(%d, %d) = %v", old, new, ok)
		s.pause()
	}
	return ok
}

// chooser walks every schedule depth first: a schedule is the sequence
// of choices of which runnable buyer goes next, and the next schedule
// changes the last choice that has an alternative left.
type chooser struct {
	path []struct{ pick, of int }
	pos  int
}

func (c *chooser) choose(of int) int {
	if c.pos == len(c.path) {
		c.path = append(c.path, struct{ pick, of int }{0, of})
	}
	c.pos++
	return c.path[c.pos-1].pick
}

func (c *chooser) next() bool {
	c.pos = 0
	for len(c.path) > 0 {
		last := &c.path[len(c.path)-1]
		if last.pick++; last.pick < last.of {
			return true
		}
		c.path = c.path[:len(c.path)-1]
	}
	return false
}

// run plays one schedule of n buyers calling take, with c's choices. It
// returns the buyers when all are done, or why the schedule could not
// finish.
func (s *sched) run(n int, c *chooser, take func(buyer string) (int64, bool, error)) ([]*buyer, error) {
	s.free, s.aborted, s.locked, s.calls, s.trace = false, false, false, 0, nil
	buyers := make([]*buyer, n)
	for i := range buyers {
		b := &buyer{n: i + 1, grant: make(chan bool)}
		buyers[i] = b
		go func() {
			defer func() { b.done = true; s.yield <- "done" }()
			if <-b.grant {
				b.id, b.ok, b.err = take(fmt.Sprintf("buyer-%d", b.n))
				s.trace = append(s.trace, fmt.Sprintf("buyer %d Take returns %s", b.n, b.told()))
			}
		}()
	}
	var failure error
	s.cur = nil
	preemptions := 0
	for steps := 0; ; steps++ {
		var runnable []*buyer
		for _, b := range buyers {
			if !b.done && !(b.blocked && s.locked) {
				runnable = append(runnable, b)
			}
		}
		if len(runnable) == 0 {
			if slices.ContainsFunc(buyers, func(b *buyer) bool { return !b.done }) {
				failure = fmt.Errorf("deadlock: every buyer still in Take waits for the lock, and nobody will unlock it")
			}
			break
		}
		if steps == maxSteps {
			failure = fmt.Errorf("the buyers made %d calls and are still in Take: a retry loop that never sees the count change spins forever", maxSteps)
			break
		}
		prev := s.cur
		goesOn := slices.Contains(runnable, prev)
		if goesOn && preemptions == maxPreemptions {
			runnable = []*buyer{prev}
		}
		s.cur = runnable[c.choose(len(runnable))]
		if goesOn && s.cur != prev {
			preemptions++
		}
		s.cur.grant <- true
		select {
		case <-s.yield:
		case <-time.After(10 * time.Second): // only a broken Take gets here
			return nil, fmt.Errorf("buyer %d blocked in Take on something other than the lock or counter the stock was given", s.cur.n)
		}
	}
	if failure != nil {
		s.aborted = true // the buyers still in Take exit, one at a time
		for _, b := range buyers {
			if !b.done {
				s.cur = b
				b.grant <- false
				<-s.yield
			}
		}
	}
	s.free = true
	return buyers, failure
}

// checkInterleavings tries every schedule of every crowd in
// interleavings on stocks made by newStock over s, and fails on the first
// schedule whose outcome is wrong, with what each buyer did in it.
// unused is the complaint when Take never calls s at all.
func checkInterleavings(t *testing.T, step labkit.Step, unused string, newStock func(items int64, s *sched) sale.Stock) {
	t.Helper()
	for _, crowd := range interleavings {
		schedules := 0
		c := &chooser{}
		for ok := true; ok; ok = c.next() {
			schedules++
			s := newSched()
			stock := newStock(int64(crowd.items), s)
			buyers, err := s.run(crowd.buyers, c, func(buyer string) (int64, bool, error) {
				return stock.Take(context.Background(), buyer)
			})
			if err == nil {
				err = outcome(t, step, stock, crowd.items, buyers)
			}
			if err == nil && s.calls == 0 {
				err = errors.New(unused)
			}
			if err != nil {
				t.Fatalf("%d buyers, %d items, one schedule of the buyers' steps:\n\t%s\n%v", crowd.buyers, crowd.items, strings.Join(shorten(s.trace), "\n\t"), err)
			}
		}
		t.Logf("%d buyers, %d items: %d schedules, all right", crowd.buyers, crowd.items, schedules)
	}
}

// shorten keeps a long trace's start and end.
func shorten(trace []string) []string {
	if len(trace) <= 40 {
		return trace
	}
	return slices.Concat(trace[:20], []string{fmt.Sprintf("... %d more ...", len(trace)-30)}, trace[len(trace)-10:])
}

// outcome checks what the buyers of one schedule were told and what the
// stock says it has left.
func outcome(t *testing.T, step labkit.Step, stock sale.Stock, items int, buyers []*buyer) error {
	t.Helper()
	var ids []int64
	for _, b := range buyers {
		step.Require(t, b.err)
		if b.ok {
			ids = append(ids, b.id)
		}
	}
	want := min(items, len(buyers))
	switch {
	case len(ids) > want:
		return fmt.Errorf("oversold: %d buyers were sold one of %d items", len(ids), items)
	case len(ids) < want:
		return fmt.Errorf("lost sale: %d of %d items sold to %d buyers; a buyer was told sold out while an item was left", len(ids), items, len(buyers))
	}
	slices.Sort(ids)
	for i, id := range ids {
		if id != int64(i+1) {
			return fmt.Errorf("the order ids are %v, want 1 to %d: one number per item sold, each once", ids, len(ids))
		}
	}
	left, err := stock.Left(context.Background())
	step.Require(t, err)
	if left != int64(items-len(ids)) {
		return fmt.Errorf("Left() = %d after %d of %d items sold", left, len(ids), items)
	}
	return nil
}
