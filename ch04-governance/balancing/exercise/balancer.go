package exercise

import (
	"cmp"
	"slices"

	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/resolver"

	"github.com/grpclabs/labs/scripts/labkit"
)

// A policy is what differs between the lab's balancers: how to pick among
// the endpoints that are READY. The balancer calls picker on every change
// of any endpoint's state, never with an empty slice, one call at a time;
// the pickers it returns run concurrently, with each other and with the
// next picker call.
type policy interface {
	picker(ready []endpoint) balancer.Picker
}

// endpoint is one READY endpoint: the resolver's Endpoint (addresses, and
// the registry's attributes: weight, zone) and the picker of the
// pick_first child that owns its connection. Picking an endpoint means
// calling its Pick.
type endpoint struct {
	resolver.Endpoint
	balancer.Picker
}

// addr is the endpoint's first address, which names it.
func (e endpoint) addr() string { return e.Addresses[0].Addr }

// builder builds one of the policies. Each ClientConn gets its own
// balancer and its own policy state.
type builder struct {
	name      string
	newPolicy func() policy
}

func (b builder) Name() string { return b.name }

// Build is the structure of grpc-go's own round_robin and least_request
// since v1.7x: an endpointsharding balancer with one pick_first child per
// endpoint does the connection work (one SubConn per endpoint, reconnects,
// health), and this balancer only replaces the picker on its way up.
func (b builder) Build(cc balancer.ClientConn, opts balancer.BuildOptions) balancer.Balancer {
	// Step 1: make a shardedBalancer for cc with b.newPolicy(), and give it
	// an endpointsharding child: endpointsharding.NewBalancer(lb, opts,
	// balancer.Get(pickfirst.Name).Build, endpointsharding.Options{}).
	// The child calls lb.UpdateState with its state; lb passes the rest on.
	return todoBalancer(cc, "builder.Build")
}

// shardedBalancer sits between the channel and endpointsharding. Calls
// from the channel go down to the child; the child's state updates come
// up through UpdateState, which is the one ClientConn method it overrides.
type shardedBalancer struct {
	balancer.ClientConn // the channel: everything but UpdateState passes through
	child               balancer.Balancer
	policy              policy
}

// UpdateClientConnState hands the resolver's endpoints to the children,
// with the health listener on, so a pick_first child reports
// TRANSIENT_FAILURE while its backend says NOT_SERVING (when the service
// config asks for health checks).
func (b *shardedBalancer) UpdateClientConnState(s balancer.ClientConnState) error {
	// Step 1: pass the resolver state to the child, with
	// pickfirst.EnableHealthListener on it.
	return labkit.TODO("shardedBalancer.UpdateClientConnState")
}

// ResolverError goes to the children: those with a working connection
// keep it; a channel with none fails its calls with the error.
func (b *shardedBalancer) ResolverError(err error) { b.child.ResolverError(err) }

// UpdateSubConnState is never called: the children create their SubConns
// with their own state listeners.
func (b *shardedBalancer) UpdateSubConnState(balancer.SubConn, balancer.SubConnState) {}

// ExitIdle asks every idle child to connect (the channel calls it when
// it leaves idle mode, e.g. on the first call after an idle timeout).
func (b *shardedBalancer) ExitIdle() { b.child.ExitIdle() }

func (b *shardedBalancer) Close() { b.child.Close() }

// UpdateState receives endpointsharding's state, whose picker knows every
// child's state. With at least one READY endpoint, the channel gets the
// policy's picker over the READY ones; with none, endpointsharding's own
// state and picker (CONNECTING queues calls, TRANSIENT_FAILURE fails
// them) are right as they are.
func (b *shardedBalancer) UpdateState(s balancer.State) {
	// Step 1: collect the READY children of s.Picker
	// (endpointsharding.ChildStatesFromPicker) as endpoints. None: pass s
	// up unchanged. Otherwise pass up READY with b.policy.picker(ready).
}

// firstReady sends every call to the READY endpoint with the lowest
// address: not a useful policy, but the smallest one, to show the shape
// of the others and to test the balancer by itself.
type firstReady struct{}

func (firstReady) picker(ready []endpoint) balancer.Picker {
	return slices.MinFunc(ready, func(a, b endpoint) int { return cmp.Compare(a.addr(), b.addr()) }).Picker
}
