package solution

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
)

// GovernanceMetrics shows the resilience lab's pieces at work: each
// breaker's state, its transitions, and the calls a server's limiters
// refused.
type GovernanceMetrics struct {
	state       *prometheus.GaugeVec
	transitions *prometheus.CounterVec
	limited     *prometheus.CounterVec
}

var breakerStates = []policy.State{policy.Closed, policy.Open, policy.HalfOpen}

// NewGovernanceMetrics registers with reg:
//
//   - grpc_client_circuit_breaker_state{breaker, state}: 1 for the state a
//     breaker is in, 0 for the other two (one series per state, so a
//     dashboard can stack them and an alert can say state="open");
//   - grpc_client_circuit_breaker_transitions_total{breaker, from, to};
//   - grpc_server_limited_total{grpc_service, grpc_method, reason}: calls
//     refused by a limiter, by its ErrorInfo reason.
func NewGovernanceMetrics(reg prometheus.Registerer) (*GovernanceMetrics, error) {
	g := &GovernanceMetrics{
		state: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "grpc_client_circuit_breaker_state",
			Help: "1 for the state each circuit breaker is in, 0 for the others.",
		}, []string{"breaker", "state"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grpc_client_circuit_breaker_transitions_total",
			Help: "State changes of each circuit breaker.",
		}, []string{"breaker", "from", "to"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grpc_server_limited_total",
			Help: "Calls a server's limiters refused, by reason.",
		}, []string{"grpc_service", "grpc_method", "reason"}),
	}
	for _, c := range []prometheus.Collector{g.state, g.transitions, g.limited} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// OnStateChange is a policy.BreakerConfig.OnStateChange.
func (g *GovernanceMetrics) OnStateChange(name string, from, to policy.State) {
	for _, s := range breakerStates {
		v := 0.0
		if s == to {
			v = 1
		}
		g.state.WithLabelValues(name, s.String()).Set(v)
	}
	g.transitions.WithLabelValues(name, from.String(), to.String()).Inc()
}

// Limited is a server interceptor that counts the refusals of the limiters
// inside it (put it before them in the chain): a ResourceExhausted whose
// ErrorInfo comes from policy.Domain.
func (g *GovernanceMetrics) Limited() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if st := status.Convert(err); err != nil && st.Code() == codes.ResourceExhausted {
			for _, d := range st.Details() {
				if ei, ok := d.(*errdetails.ErrorInfo); ok && ei.GetDomain() == policy.Domain {
					service, method := splitMethod(info.FullMethod)
					g.limited.WithLabelValues(service, method, ei.GetReason()).Inc()
				}
			}
		}
		return resp, err
	}
}
