package registry

import (
	"cmp"
	"slices"

	"google.golang.org/grpc/attributes"
	"google.golang.org/grpc/resolver"
)

// instanceKey is the endpoint attribute holding the whole Instance. The
// key type is unexported, so only this package's accessors read it.
type instanceKey struct{}

// Endpoint is inst as a resolver endpoint: one address, and the instance
// in the attributes for the balancer ([Weight], [Zone], [FromEndpoint]).
func Endpoint(inst Instance) resolver.Endpoint {
	return resolver.Endpoint{
		Addresses:  []resolver.Address{{Addr: inst.Addr}},
		Attributes: attributes.New(instanceKey{}, inst),
	}
}

// FromEndpoint returns the instance a resolver put on ep with [Endpoint].
func FromEndpoint(ep resolver.Endpoint) (Instance, bool) {
	inst, ok := ep.Attributes.Value(instanceKey{}).(Instance)
	return inst, ok
}

// Weight is ep's weight for weighted policies: the instance's weight, or 1
// for an endpoint that carries none (one from a plain resolver).
func Weight(ep resolver.Endpoint) int {
	inst, _ := FromEndpoint(ep)
	return inst.EffectiveWeight()
}

// Zone is ep's zone, or "" when it carries none.
func Zone(ep resolver.Endpoint) string {
	inst, _ := FromEndpoint(ep)
	return inst.Zone
}

// State is the resolver state for a set of instances, ordered by id so
// that equal sets give equal states.
func State(insts []Instance) resolver.State {
	sorted := slices.SortedFunc(slices.Values(insts), func(a, b Instance) int { return cmp.Compare(a.ID, b.ID) })
	eps := make([]resolver.Endpoint, 0, len(sorted))
	for _, inst := range sorted {
		eps = append(eps, Endpoint(inst))
	}
	return resolver.State{Endpoints: eps}
}
