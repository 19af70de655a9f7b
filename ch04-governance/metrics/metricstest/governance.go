package metricstest

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	ordersv1 "github.com/grpclabs/labs/ch04-governance/gen/orders/v1"
	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	resilience "github.com/grpclabs/labs/ch04-governance/resilience/solution"
	"github.com/grpclabs/labs/scripts/labkit"
)

// TestGovernance: step 4, the breaker's state and the limiters' refusals
// as metrics, driven by the resilience lab's solution.
func TestGovernance(t *testing.T, l Lab) {
	reg := prometheus.NewRegistry()
	g, err := l.NewGovernanceMetrics(reg)
	step4.Require(t, err)
	if _, err := l.NewGovernanceMetrics(reg); err == nil {
		t.Error("NewGovernanceMetrics registered the same metrics twice without an error")
	}
	probe := func(context.Context, any) (any, error) { return nil, nil }
	_, err = g.Limited()(t.Context(), nil, &grpc.UnaryServerInfo{FullMethod: "/x.Y/Z"}, probe)
	step4.Require(t, err)

	t.Run("breaker", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			g, _ := l.NewGovernanceMetrics(reg)
			b, err := resilience.NewBreaker("inventory/Reserve", policy.BreakerConfig{OnStateChange: g.OnStateChange})
			if err != nil {
				t.Fatal(err)
			}
			state := func(s string) float64 {
				v, _ := sample(t, reg, "grpc_client_circuit_breaker_state", map[string]string{"breaker": "inventory/Reserve", "state": s})
				return v
			}
			for range 10 {
				done, _ := b.Allow()
				done(policy.Failure)
			}
			if state("open") != 1 || state("closed") != 0 || state("half-open") != 0 {
				t.Errorf("after the breaker opened: state{open}=%v, {closed}=%v, {half-open}=%v; want 1, 0, 0 (one series per state)", state("open"), state("closed"), state("half-open"))
			}
			time.Sleep(time.Second)
			b.State() // half-open now
			if state("half-open") != 1 || state("open") != 0 {
				t.Errorf("after OpenTimeout: state{half-open}=%v, {open}=%v; want 1, 0", state("half-open"), state("open"))
			}
			for range 3 {
				done, _ := b.Allow()
				done(policy.Success)
			}
			if state("closed") != 1 || state("half-open") != 0 {
				t.Errorf("after 3 good trials: state{closed}=%v, {half-open}=%v; want 1, 0", state("closed"), state("half-open"))
			}
			for _, tr := range [][2]string{{"closed", "open"}, {"open", "half-open"}, {"half-open", "closed"}} {
				wantSample(t, reg, "grpc_client_circuit_breaker_transitions_total", map[string]string{"breaker": "inventory/Reserve", "from": tr[0], "to": tr[1]}, 1, "each transition once")
			}
		})
	})

	t.Run("limited", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			g, _ := l.NewGovernanceMetrics(reg)
			k, _ := resilience.NewKeyedLimiter(1, 2, 100)
			s := labkit.Serve(t, labkit.Bufconn, registerStock, labkit.Options{Server: []grpc.ServerOption{grpc.ChainUnaryInterceptor(
				g.Limited(),
				func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
					if md, _ := metadata.FromIncomingContext(ctx); len(md.Get("plain-exhausted")) > 0 {
						st, _ := status.New(codes.ResourceExhausted, "a quota of another system, not a limiter of ours").
							WithDetails(&errdetails.ErrorInfo{Reason: "QUOTA_EXCEEDED", Domain: "billing.example.com"})
						return nil, st.Err()
					}
					return h(ctx, req)
				},
				resilience.RateLimit(k, resilience.ClientKey),
			)}})
			c := ordersv1.NewInventoryServiceClient(s.Conn)
			for range 5 {
				c.Reserve(t.Context(), &ordersv1.ReserveRequest{Item: "apple", Quantity: 1})
			}
			c.Reserve(metadata.AppendToOutgoingContext(t.Context(), "plain-exhausted", "1"), &ordersv1.ReserveRequest{Item: "apple", Quantity: 1})
			wantSample(t, reg, "grpc_server_limited_total", map[string]string{"grpc_service": "orders.v1.InventoryService", "grpc_method": "Reserve", "reason": policy.ReasonRateLimited}, 3,
				"5 calls with a burst of 2: 3 refused by the rate limit (a ResourceExhausted whose ErrorInfo is from another domain is not a limiter's)")
			if got, _ := series(reg, "grpc_server_limited_total"); len(got) != 1 {
				t.Errorf("grpc_server_limited_total has series %v, want only the rate limit's", got)
			}
		})
	})
}
