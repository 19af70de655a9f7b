package exercise

import (
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
	// Step 5: write leastOfTwo, then return p.pickerChoosing(ready, leastOfTwo).
	return todoPicker("powerOfTwo.picker")
}

// pickerChoosing is a picker that counts calls in flight per endpoint and
// lets choose pick among the counts.
func (l *leastLoaded) pickerChoosing(ready []endpoint, choose func([]*atomic.Int64, uint32) int) balancer.Picker {
	// Step 4: under l.mu, find (or make) each ready endpoint's counter in
	// l.inflight, and return an lcPicker over them. In its Pick: choose an
	// index, call that endpoint's Pick, add one to its counter, and wrap
	// the result's Done to take it off again (then call the original).
	return todoPicker("leastLoaded.pickerChoosing")
}

// leastOfAll is least connections: the smallest count, ties in turn.
func leastOfAll(inflight []*atomic.Int64, next uint32) int {
	// Step 4: the index with the smallest count, starting the scan at
	// next (mod len), so that ties are taken in turn.
	return 0
}

// leastOfTwo is the power of two choices: two different endpoints at
// random, the less loaded of them. Nearly as good as looking at all of
// them, and it never sends every client's next call to the one endpoint
// that just looked idle to all of them at once.
func leastOfTwo(inflight []*atomic.Int64, _ uint32) int {
	// Step 5: two different random indexes; the one with the smaller count.
	return 0
}
