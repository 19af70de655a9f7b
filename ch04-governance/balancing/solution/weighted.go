package solution

import (
	"sync"

	"google.golang.org/grpc/balancer"

	"github.com/grpclabs/labs/ch04-governance/registry"
)

// smoothWeighted is nginx's smooth weighted round robin: every endpoint
// gets calls in proportion to its weight (the registry's, carried in the
// endpoint attributes), and the calls of a heavy endpoint are spread out
// instead of sent in a burst: weights 5,1,1 give a a b a c a a, not
// a a a a a b c.
type smoothWeighted struct{}

func (smoothWeighted) picker(ready []endpoint) balancer.Picker {
	p := &swrrPicker{ready: ready, weight: make([]int, len(ready)), current: make([]int, len(ready))}
	for i, e := range ready {
		p.weight[i] = registry.Weight(e.Endpoint)
		p.total += p.weight[i]
	}
	return p
}

type swrrPicker struct {
	ready   []endpoint
	weight  []int
	total   int
	mu      sync.Mutex
	current []int
}

// Pick raises every endpoint's current weight by its weight, picks the
// highest, and lowers that one by the total: over any total-length run
// each endpoint is picked exactly weight times.
func (p *swrrPicker) Pick(info balancer.PickInfo) (balancer.PickResult, error) {
	p.mu.Lock()
	best := 0
	for i := range p.current {
		p.current[i] += p.weight[i]
		if p.current[i] > p.current[best] {
			best = i
		}
	}
	p.current[best] -= p.total
	p.mu.Unlock()
	return p.ready[best].Pick(info)
}
