package main

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
)

// breaker is what govern needs of the resilience lab's Breaker.
type breaker interface {
	Allow() (done func(policy.Outcome), err error)
	State() policy.State
}

// fleet is what one run knows: each backend's breaker and counters, which
// backends the client's resolver lists, the client's own counters, and
// the events still to print. The balancer, the calls and the main loop
// share it.
type fleet struct {
	start      time.Time
	newBreaker func(name string) (breaker, error)

	mu       sync.Mutex
	counting bool // false during the warm-up
	backends map[string]*backendStats
	order    []string // the configured backends, then any other the resolver lists
	breakers map[string]breaker
	listed   map[string]bool
	client   meters
	windows  []*window // etcd outages: calls made while each lasted
	down     int       // index in windows of the outage under way, or -1
	events   []event   // all of them
	printed  int       // events[:printed] are on screen
	ticks    []tick
}

// backendStats is one backend as the client sees it.
type backendStats struct {
	weight int
	state  string // up, killed, slow, failing, slow+failing
	meters
	opened   int  // times its breaker opened
	retrying bool // its breaker's trials failed once already
}

// meters counts calls (or attempts) over the current tick and the run.
type meters struct{ tick, total meter }

func (m *meters) add(d time.Duration, err error) {
	m.tick.add(d, err)
	m.total.add(d, err)
}

// meter is counts and the latency of the successful ones.
type meter struct {
	counts
	lat latencies
}

func (m *meter) add(d time.Duration, err error) {
	m.counts.add(err)
	if err == nil {
		m.lat.add(d)
	}
}

// counts sorts calls by how they ended: a limiter's refusal
// (ResourceExhausted) is an answer, not a failure.
type counts struct {
	Calls   int `json:"calls"`
	OK      int `json:"ok"`
	Failed  int `json:"failed"`
	Limited int `json:"limited"`
}

func (c *counts) add(err error) {
	c.Calls++
	switch status.Code(err) {
	case codes.OK:
		c.OK++
	case codes.ResourceExhausted:
		c.Limited++
	default:
		c.Failed++
	}
}

// latencies is a histogram with buckets 5% apart from 1µs to minutes: a
// quantile is known to within 5%, in constant memory however long the
// run.
type latencies struct {
	n int
	b [400]int
}

const bucketRatio = 1.05

func (l *latencies) add(d time.Duration) {
	i := 0
	if d > time.Microsecond {
		i = int(math.Ceil(math.Log(float64(d)/float64(time.Microsecond)) / math.Log(bucketRatio)))
	}
	l.b[min(i, len(l.b)-1)]++
	l.n++
}

// quantile is the upper bound of the bucket holding the q-quantile, or 0
// with no data.
func (l *latencies) quantile(q float64) time.Duration {
	if l.n == 0 {
		return 0
	}
	rank := int(math.Ceil(q * float64(l.n)))
	for i, k := range l.b {
		if rank -= k; rank <= 0 {
			return time.Duration(float64(time.Microsecond) * math.Pow(bucketRatio, float64(i)))
		}
	}
	return 0
}

// window is one etcd outage and the calls started while it lasted.
type window struct {
	from, to time.Duration
	counts
}

// event is something that happened, printed above the table.
type event struct {
	At      time.Duration `json:"-"`
	AtMS    int64         `json:"at_ms"`
	Kind    string        `json:"kind"`
	Backend string        `json:"backend,omitempty"`
	Text    string        `json:"text"`
}

// tick is one line of the live view, kept for the JSON summary.
type tick struct {
	At       time.Duration
	Client   counts
	P99      time.Duration
	Etcd     string
	Backends []row
}

// row is one backend in a tick.
type row struct {
	ID      string
	Weight  int
	State   string
	Listed  bool
	Tick    counts
	P99     time.Duration
	Total   counts
	Breaker policy.State
}

func newFleet(order []string, weights map[string]int, newBreaker func(string) (breaker, error)) (*fleet, error) {
	f := &fleet{newBreaker: newBreaker, backends: map[string]*backendStats{}, breakers: map[string]breaker{},
		listed: map[string]bool{}, down: -1, order: slices.Clone(order)}
	for _, id := range order {
		b, err := newBreaker(id)
		if err != nil {
			return nil, err
		}
		f.breakers[id] = b
		f.backends[id] = &backendStats{weight: weights[id], state: "up"}
	}
	return f, nil
}

// breaker returns id's breaker, creating one for a backend the resolver
// found that the run did not start (another registrant in the same etcd).
func (f *fleet) breaker(id string) breaker {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.breakers[id]
	if !ok {
		var err error
		if b, err = f.newBreaker(id); err != nil {
			b = openDoor{} // the same constructor worked at start
		}
		f.breakers[id] = b
	}
	return b
}

// openDoor is a breaker that always allows.
type openDoor struct{}

func (openDoor) Allow() (func(policy.Outcome), error) { return func(policy.Outcome) {}, nil }
func (openDoor) State() policy.State                  { return policy.Closed }

// begin starts counting: the load starts now.
func (f *fleet) begin(now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.start, f.counting = now, true
}

// backendLocked returns id's stats, adding a backend the run did not start.
func (f *fleet) backendLocked(id string) *backendStats {
	b, ok := f.backends[id]
	if !ok {
		b = &backendStats{state: "unknown"}
		f.backends[id] = b
		f.order = append(f.order, id)
	}
	return b
}

// record counts one attempt on backend id.
func (f *fleet) record(id string, d time.Duration, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.counting {
		f.backendLocked(id).add(d, err)
	}
}

// callStarted returns the etcd outage under way (or -1), to pass to
// callDone.
func (f *fleet) callStarted() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.down
}

// callDone counts one call of the client, after its retries.
func (f *fleet) callDone(d time.Duration, err error, outage int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.counting {
		return
	}
	f.client.add(d, err)
	if outage >= 0 {
		f.windows[outage].add(err)
	}
}

// setListed is what the client's resolver lists now.
func (f *fleet) setListed(ids []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := map[string]bool{}
	for _, id := range ids {
		now[id] = true
		f.backendLocked(id)
		if !f.listed[id] && f.counting {
			f.eventLocked("listed", id, fmt.Sprintf("%s joined the resolver's list", id))
		}
	}
	for id := range f.listed {
		if !now[id] && f.counting {
			f.eventLocked("unlisted", id, fmt.Sprintf("%s left the resolver's list (its key is gone from etcd)", id))
		}
	}
	f.listed = now
}

// breakerChanged is every breaker's OnStateChange. It runs with the
// breaker's lock held, so it must not call into a breaker.
func (f *fleet) breakerChanged(id string, from, to policy.State) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.backendLocked(id)
	if to == policy.Open {
		b.opened++
	}
	// An open breaker tries again after every open period; show the first
	// round of trials, then only how it ends.
	text := fmt.Sprintf("breaker %s: %v → %v", breakerName(id), from, to)
	switch {
	case to == policy.Closed:
		b.retrying = false
	case b.retrying:
		return
	case from == policy.HalfOpen && to == policy.Open:
		b.retrying = true
		text += " (a trial failed; the next rounds of trials are counted, not shown)"
	}
	if f.counting {
		f.eventLocked("breaker", id, text)
	}
}

// breakerName is what a backend's breaker is called in events and metrics.
func breakerName(id string) string { return "greeter/" + id }

func (f *fleet) event(kind, id, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.eventLocked(kind, id, text)
}

func (f *fleet) eventLocked(kind, id, text string) {
	at := time.Since(f.start)
	f.events = append(f.events, event{At: at, AtMS: at.Milliseconds(), Kind: kind, Backend: id, Text: text})
}

// setState records what the chaos schedule did to a backend.
func (f *fleet) setState(id, state string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.backendLocked(id).state = state
}

// etcdDown and etcdUp bracket an outage.
func (f *fleet) etcdDown(from, to time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.windows = append(f.windows, &window{from: from, to: to})
	f.down = len(f.windows) - 1
}

func (f *fleet) etcdUp() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = -1
}

// pending returns the events not yet printed.
func (f *fleet) pending() []event {
	f.mu.Lock()
	defer f.mu.Unlock()
	evs := slices.Clone(f.events[f.printed:])
	f.printed = len(f.events)
	return evs
}

// tick closes the current tick: it returns the tick and the events not
// yet printed, and starts a new tick.
func (f *fleet) tick() (tick, []event) {
	f.mu.Lock()
	ids := slices.Clone(f.order)
	bs := make([]breaker, len(ids))
	for i, id := range ids {
		bs[i] = f.breakers[id]
	}
	f.mu.Unlock()
	// Breaker states first, without the fleet's lock: asking one may move
	// it to half-open, and its callback takes the lock.
	states := make([]policy.State, len(ids))
	for i, b := range bs {
		if b != nil {
			states[i] = b.State()
		}
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	t := tick{At: time.Since(f.start), Client: f.client.tick.counts, P99: f.client.tick.lat.quantile(0.99), Etcd: "up"}
	if f.down >= 0 {
		t.Etcd = "down"
	}
	f.client.tick = meter{}
	for i, id := range ids {
		b := f.backends[id]
		t.Backends = append(t.Backends, row{ID: id, Weight: b.weight, State: b.state, Listed: f.listed[id],
			Tick: b.tick.counts, P99: b.tick.lat.quantile(0.99), Total: b.total.counts, Breaker: states[i]})
		b.tick = meter{}
	}
	f.ticks = append(f.ticks, t)
	evs := slices.Clone(f.events[f.printed:])
	f.printed = len(f.events)
	return t, evs
}
