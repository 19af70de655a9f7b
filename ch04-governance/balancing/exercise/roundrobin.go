package exercise

import "google.golang.org/grpc/balancer"

// roundRobin takes the READY endpoints in turn.
type roundRobin struct{}

// picker starts at a random endpoint, so that many clients started at the
// same moment do not all send their first call to the same backend.
func (roundRobin) picker(ready []endpoint) balancer.Picker {
	// Step 2: a picker holding ready and an atomic counter that starts at
	// a random index; each Pick takes the next endpoint and calls its Pick.
	return todoPicker("roundRobin.picker")
}
