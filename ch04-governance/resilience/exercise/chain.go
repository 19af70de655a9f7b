package exercise

import (
	"context"

	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	"github.com/grpclabs/labs/scripts/labkit"
)

// RetryBudget caps retries as a share of traffic, the way gRPC's
// retryThrottling does (gRFC A6): it holds up to maxTokens tokens and
// starts full; every failed attempt with a retryable code costs one token
// (never below 0), every successful call earns ratio tokens back (never
// above maxTokens); a retry is allowed only while more than maxTokens/2
// are left.
type RetryBudget struct {
	// Step 7: your fields.
}

// NewRetryBudget returns a full budget, or an error unless both are > 0.
//
// Step 7.
func NewRetryBudget(maxTokens, ratio float64) (*RetryBudget, error) {
	return nil, labkit.TODO("NewRetryBudget")
}

// Failure records a failed attempt with a retryable code and reports
// whether a retry is still allowed.
func (b *RetryBudget) Failure() (retry bool) { return false }

// Success records a call that succeeded.
func (b *RetryBudget) Success() {}

// Retry is a unary client interceptor that retries p.RetryableCodes with
// grpc-go's backoff (see policy.RetryPolicy), up to p.MaxAttempts attempts,
// while budget allows. Report every failed attempt with a retryable code
// to the budget, the last one included (as grpc-go does), and a success.
// Use p = p.WithDefaults().
//
// Step 7.
func Retry(p policy.RetryPolicy, budget *RetryBudget) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return labkit.TODO("Retry")
	}
}

// ClientChain returns the dial options for the client side of the flow:
// the breakers and the retry, in the right order (README, step 7), plus
// the breakers' stream interceptor.
//
// Step 7.
func ClientChain(bs *Breakers, retry grpc.UnaryClientInterceptor) []grpc.DialOption {
	todo := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return labkit.TODO("ClientChain")
	}
	return []grpc.DialOption{grpc.WithUnaryInterceptor(todo)}
}
