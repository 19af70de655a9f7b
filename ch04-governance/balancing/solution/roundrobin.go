package solution

import (
	"math/rand/v2"
	"sync/atomic"

	"google.golang.org/grpc/balancer"
)

// roundRobin takes the READY endpoints in turn.
type roundRobin struct{}

// picker starts at a random endpoint, so that many clients started at the
// same moment do not all send their first call to the same backend.
func (roundRobin) picker(ready []endpoint) balancer.Picker {
	p := &rrPicker{ready: ready}
	p.next.Store(rand.Uint32N(uint32(len(ready))))
	return p
}

type rrPicker struct {
	ready []endpoint
	next  atomic.Uint32 // picks run concurrently: one atomic add each
}

func (p *rrPicker) Pick(info balancer.PickInfo) (balancer.PickResult, error) {
	i := p.next.Add(1) % uint32(len(p.ready))
	return p.ready[i].Pick(info)
}
