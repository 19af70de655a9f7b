// Package exercise is your copy of the grpcinternals drill: questions
// about how grpc-go works inside, each answered by an experiment you write
// against the real library. README.md walks you through it, step by step,
// and says where in grpc-go's source each answer lives.
package exercise

import (
	"google.golang.org/grpc"

	"github.com/grpclabs/labs/scripts/labkit"
)

// NewClient returns a ClientConn over the backends at addrs, balanced by
// the load-balancing policy named policy ("pick_first", "round_robin", or
// any registered one), with opts added last (a test adds its dialer). An
// unknown policy is an error.
//
// Step 1: resolver/manual, grpc.WithResolvers, and the policy in the
// service config (grpc.WithDefaultServiceConfig).
func NewClient(policy string, addrs []string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	return nil, labkit.TODO("NewClient")
}
