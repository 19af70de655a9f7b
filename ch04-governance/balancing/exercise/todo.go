package exercise

import (
	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/balancer/base"
	"google.golang.org/grpc/connectivity"

	"github.com/grpclabs/labs/scripts/labkit"
)

// todoPicker fails every call with the TODO signal for what: a policy
// that is not written yet says so at once instead of leaving calls to
// hang until their deadline.
func todoPicker(what string) balancer.Picker { return base.NewErrPicker(labkit.TODO(what)) }

// todoBalancer stands in for a balancer that is not written yet: every
// call on its channel fails with the TODO signal.
func todoBalancer(cc balancer.ClientConn, what string) balancer.Balancer {
	return &todoLB{cc: cc, what: what}
}

type todoLB struct {
	cc   balancer.ClientConn
	what string
}

func (b *todoLB) UpdateClientConnState(balancer.ClientConnState) error {
	b.cc.UpdateState(balancer.State{ConnectivityState: connectivity.TransientFailure, Picker: todoPicker(b.what)})
	return nil
}
func (*todoLB) ResolverError(error)                                        {}
func (*todoLB) UpdateSubConnState(balancer.SubConn, balancer.SubConnState) {}
func (*todoLB) ExitIdle()                                                  {}
func (*todoLB) Close()                                                     {}
