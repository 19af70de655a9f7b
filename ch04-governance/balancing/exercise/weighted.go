package exercise

import "google.golang.org/grpc/balancer"

// smoothWeighted is nginx's smooth weighted round robin: every endpoint
// gets calls in proportion to its weight (the registry's, carried in the
// endpoint attributes), and the calls of a heavy endpoint are spread out
// instead of sent in a burst: weights 5,1,1 give a a b a c a a, not
// a a a a a b c.
type smoothWeighted struct{}

func (smoothWeighted) picker(ready []endpoint) balancer.Picker {
	// Step 3: a picker with each endpoint's weight (registry.Weight), their
	// total, and a current weight per endpoint, under a mutex. Each Pick:
	// add every weight to its current, take the largest current, subtract
	// the total from it.
	return todoPicker("smoothWeighted.picker")
}
