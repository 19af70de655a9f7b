// Package solution is the reference for the grpcinternals drill: questions
// about how grpc-go works inside, each answered by an experiment against
// the real library. README.md links every answer to the grpc-go v1.85
// source that makes it true.
package solution

import (
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
)

// NewClient returns a ClientConn over the backends at addrs, balanced by
// the load-balancing policy named policy ("pick_first", "round_robin", or
// any registered one). A manual resolver hands grpc-go the whole address
// list at once, as DNS or a registry would; the policy comes from the
// service config, which is where grpc-go looks for it. An unknown policy
// is an error from grpc.NewClient, not a surprise at the first call.
// opts are added last (a test adds its dialer).
func NewClient(policy string, addrs []string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	if len(addrs) == 0 {
		return nil, fmt.Errorf("no backends")
	}
	r := manual.NewBuilderWithScheme("backends")
	var eps []resolver.Endpoint
	for _, a := range addrs {
		eps = append(eps, resolver.Endpoint{Addresses: []resolver.Address{{Addr: a}}})
	}
	r.InitialState(resolver.State{Endpoints: eps})
	return grpc.NewClient(r.Scheme()+":///backends", append([]grpc.DialOption{
		grpc.WithResolvers(r),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(fmt.Sprintf(`{"loadBalancingConfig": [{%q: {}}]}`, policy)),
	}, opts...)...)
}
