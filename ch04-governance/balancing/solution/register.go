// Package solution is the balancing lab's reference: load-balancing
// policies written as real grpc-go balancers (round robin, smooth weighted
// round robin, least connections, power of two choices, consistent
// hashing), each registered with balancer.Register and chosen by service
// config, e.g.
//
//	grpc.WithDefaultServiceConfig(`{"loadBalancingConfig":[{"solution_round_robin":{}}]}`)
package solution

import "google.golang.org/grpc/balancer"

// The policies' names in service config. The exercise registers the same
// policies as "exercise_...", so a program can link both and choose one
// with -impl.
const (
	FirstReady     = "solution_first_ready"
	RoundRobin     = "solution_round_robin"
	Weighted       = "solution_weighted_round_robin"
	LeastConn      = "solution_least_conn"
	P2C            = "solution_p2c"
	ConsistentHash = "solution_consistent_hash"
)

// Registration belongs in init: grpc-go's balancer registry is not safe
// to change while a channel may read it.
func init() {
	for _, b := range []builder{
		{name: FirstReady, newPolicy: func() policy { return firstReady{} }},
		{name: RoundRobin, newPolicy: func() policy { return roundRobin{} }},
		{name: Weighted, newPolicy: func() policy { return smoothWeighted{} }},
		{name: LeastConn, newPolicy: func() policy { return newLeastLoaded() }},
		{name: P2C, newPolicy: func() policy { return powerOfTwo{newLeastLoaded()} }},
		{name: ConsistentHash, newPolicy: func() policy { return ringHash{} }},
	} {
		balancer.Register(b)
	}
}
