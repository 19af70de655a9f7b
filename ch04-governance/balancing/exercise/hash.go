package exercise

import (
	"hash/fnv"

	"google.golang.org/grpc/balancer"
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
	// Step 6: VirtualNodes points per endpoint, each at hash64(name + "#"
	// + n) where name is the registry id (or the address); sort them by
	// hash. Pick: the key from metadata.FromOutgoingContext(info.Ctx)
	// under hashkey.Header; the first point at or after hash64(key),
	// around the circle; no key, a random endpoint.
	return todoPicker("ringHash.picker")
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
