package solution

import (
	"cmp"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"

	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/metadata"

	"github.com/grpclabs/labs/ch04-governance/balancing/hashkey"
	"github.com/grpclabs/labs/ch04-governance/registry"
)

// VirtualNodes is how many points each endpoint has on the ring. More
// points even out the shares (each endpoint's share varies by roughly
// 1/sqrt(VirtualNodes)) at the cost of a bigger ring to search.
const VirtualNodes = 100

// ringHash is consistent hashing: endpoints and keys are hashed onto the
// same circle of 64-bit values, and a key goes to the first endpoint
// point at or after it. Adding an endpoint moves only the keys that land
// on its new points, about 1/(N+1) of them; the text's hash % N moves
// almost all of them (N/(N+1)).
type ringHash struct{}

type point struct {
	hash uint64
	name string // the endpoint's, to order equal hashes the same way everywhere
	ep   int    // index into ready
}

func (ringHash) picker(ready []endpoint) balancer.Picker {
	p := &ringPicker{ready: ready, ring: make([]point, 0, VirtualNodes*len(ready))}
	for i, e := range ready {
		// Name points by the registry id when there is one: an instance
		// that restarts on a new port keeps its keys.
		name := e.addr()
		if inst, ok := registry.FromEndpoint(e.Endpoint); ok {
			name = inst.ID
		}
		for v := range VirtualNodes {
			p.ring = append(p.ring, point{hash: hash64(name + "#" + strconv.Itoa(v)), name: name, ep: i})
		}
	}
	slices.SortFunc(p.ring, func(a, b point) int {
		// Equal hashes are ordered too, so every client builds the same ring.
		return cmp.Or(cmp.Compare(a.hash, b.hash), cmp.Compare(a.name, b.name))
	})
	return p
}

type ringPicker struct {
	ready []endpoint
	ring  []point // sorted by hash; read-only once built, so picks need no lock
}

// Pick routes by the call's hash key (hashkey.Header in the outgoing
// metadata, which PickInfo.Ctx carries). A call without one goes to a
// random endpoint.
func (p *ringPicker) Pick(info balancer.PickInfo) (balancer.PickResult, error) {
	md, _ := metadata.FromOutgoingContext(info.Ctx)
	keys := md.Get(hashkey.Header)
	if len(keys) == 0 {
		return p.ready[rand.IntN(len(p.ready))].Pick(info)
	}
	h := hash64(keys[0])
	i, _ := slices.BinarySearchFunc(p.ring, h, func(pt point, h uint64) int { return cmp.Compare(pt.hash, h) })
	if i == len(p.ring) {
		i = 0 // past the last point: around the circle to the first
	}
	return p.ready[p.ring[i].ep].Pick(info)
}

// hash64 is FNV-1a, then a finaliser that spreads FNV's similar outputs
// for similar inputs ("b1#1", "b1#2") over the whole circle.
func hash64(s string) uint64 {
	f := fnv.New64a()
	f.Write([]byte(s))
	x := f.Sum64()
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}
