package solution

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/resolver"
)

// leastLoaded is least connections: a call goes to the endpoint with the
// fewest calls in flight from this client. (For gRPC, whose calls share
// connections, that means least outstanding requests.)
type leastLoaded struct {
	// The counters outlive pickers: a picker is rebuilt whenever any
	// endpoint changes state, and the calls in flight do not start over.
	mu       sync.Mutex
	inflight *resolver.EndpointMap[*atomic.Int64]
}

func newLeastLoaded() *leastLoaded {
	return &leastLoaded{inflight: resolver.NewEndpointMap[*atomic.Int64]()}
}

func (l *leastLoaded) picker(ready []endpoint) balancer.Picker {
	return l.pickerChoosing(ready, leastOfAll)
}

// powerOfTwo is the power of two choices, on least connections' counters.
type powerOfTwo struct{ *leastLoaded }

func (p powerOfTwo) picker(ready []endpoint) balancer.Picker {
	return p.pickerChoosing(ready, leastOfTwo)
}

// pickerChoosing is a picker that counts calls in flight per endpoint and
// lets choose pick among the counts.
func (l *leastLoaded) pickerChoosing(ready []endpoint, choose func([]*atomic.Int64, uint32) int) balancer.Picker {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := &lcPicker{ready: ready, choose: choose, inflight: make([]*atomic.Int64, len(ready))}
	for i, e := range ready {
		n, ok := l.inflight.Get(e.Endpoint)
		if !ok {
			n = new(atomic.Int64)
			l.inflight.Set(e.Endpoint, n)
		}
		p.inflight[i] = n
	}
	return p
}

type lcPicker struct {
	ready    []endpoint
	inflight []*atomic.Int64
	choose   func([]*atomic.Int64, uint32) int
	next     atomic.Uint32 // rotates ties, so equal loads are taken in turn
}

// Pick counts the call in when it is picked and out in the pick's Done,
// which gRPC calls when the call ends, whatever its outcome.
func (p *lcPicker) Pick(info balancer.PickInfo) (balancer.PickResult, error) {
	i := p.choose(p.inflight, p.next.Add(1))
	res, err := p.ready[i].Pick(info)
	if err != nil {
		return res, err
	}
	n := p.inflight[i]
	n.Add(1)
	done := res.Done
	res.Done = func(di balancer.DoneInfo) {
		n.Add(-1)
		if done != nil {
			done(di)
		}
	}
	return res, nil
}

// leastOfAll is least connections: the smallest count, ties in turn.
func leastOfAll(inflight []*atomic.Int64, next uint32) int {
	best, bestN := -1, int64(0)
	for k := range inflight {
		i := (int(next) + k) % len(inflight)
		if n := inflight[i].Load(); best < 0 || n < bestN {
			best, bestN = i, n
		}
	}
	return best
}

// leastOfTwo is the power of two choices: two different endpoints at
// random, the less loaded of them. Nearly as good as looking at all of
// them, and it never sends every client's next call to the one endpoint
// that just looked idle to all of them at once.
func leastOfTwo(inflight []*atomic.Int64, _ uint32) int {
	if len(inflight) == 1 {
		return 0
	}
	a := rand.IntN(len(inflight))
	b := rand.IntN(len(inflight) - 1)
	if b >= a {
		b++
	}
	if inflight[b].Load() < inflight[a].Load() {
		return b
	}
	return a
}
