package exercise

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	"github.com/grpclabs/labs/scripts/labkit"
)

// GovernanceMetrics shows the resilience lab's pieces at work:
//
//   - grpc_client_circuit_breaker_state{breaker, state}: 1 for the state a
//     breaker is in, 0 for the other two (state is policy.State's String());
//   - grpc_client_circuit_breaker_transitions_total{breaker, from, to};
//   - grpc_server_limited_total{grpc_service, grpc_method, reason}: calls
//     refused by the lab's limiters, by their ErrorInfo reason.
type GovernanceMetrics struct {
	// Step 4: your fields.
}

// NewGovernanceMetrics makes and registers the three vectors.
//
// Step 4.
func NewGovernanceMetrics(reg prometheus.Registerer) (*GovernanceMetrics, error) {
	return nil, labkit.TODO("NewGovernanceMetrics")
}

// OnStateChange is a policy.BreakerConfig.OnStateChange: set the state
// series and count the transition.
func (g *GovernanceMetrics) OnStateChange(name string, from, to policy.State) {}

// Limited is a server interceptor that counts the refusals of the limiters
// inside it: a ResourceExhausted status with an errdetails.ErrorInfo whose
// Domain is policy.Domain; its Reason is the label.
//
// Step 4.
func (g *GovernanceMetrics) Limited() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return nil, labkit.TODO("GovernanceMetrics.Limited")
	}
}
