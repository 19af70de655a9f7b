package solution

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
)

// RetryBudget caps retries as a share of traffic, the way gRPC's
// retryThrottling does (gRFC A6): it holds up to maxTokens tokens and starts
// full; every failed attempt with a retryable code costs one token, every
// successful call earns ratio tokens back; a retry is allowed only while
// more than half the tokens are left. With ratio 0.1, a backend that fails
// everything sees at most about one retry per ten successful calls once
// the budget is spent, instead of three attempts per call.
type RetryBudget struct {
	max, ratio float64

	mu     sync.Mutex
	tokens float64
}

// NewRetryBudget returns a full budget.
func NewRetryBudget(maxTokens, ratio float64) (*RetryBudget, error) {
	if maxTokens <= 0 || ratio <= 0 {
		return nil, fmt.Errorf("retry budget: maxTokens %v and ratio %v must be > 0", maxTokens, ratio)
	}
	return &RetryBudget{max: maxTokens, ratio: ratio, tokens: maxTokens}, nil
}

// Failure records a failed attempt with a retryable code and reports
// whether a retry is still allowed.
func (b *RetryBudget) Failure() (retry bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens = max(b.tokens-1, 0)
	return b.tokens > b.max/2
}

// Success records a call that succeeded.
func (b *RetryBudget) Success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens = min(b.tokens+b.ratio, b.max)
}

// Retry is a unary client interceptor that retries retryable codes with
// grpc-go's backoff, up to MaxAttempts attempts, while budget allows.
// Every failed attempt with a retryable code is reported to the budget,
// the last one included, as grpc-go does.
func Retry(p policy.RetryPolicy, budget *RetryBudget) grpc.UnaryClientInterceptor {
	p = p.WithDefaults()
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		for attempt := 1; ; attempt++ {
			err := invoker(ctx, method, req, reply, cc, opts...)
			if err == nil {
				budget.Success()
				return nil
			}
			if !slices.Contains(p.RetryableCodes, status.Code(err)) || ctx.Err() != nil {
				return err
			}
			if !budget.Failure() || attempt >= p.MaxAttempts {
				return err
			}
			backoff := min(float64(p.InitialBackoff)*math.Pow(p.Multiplier, float64(attempt-1)), float64(p.MaxBackoff))
			t := time.NewTimer(time.Duration(backoff * (0.8 + 0.4*p.Rand())))
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return status.FromContextError(ctx.Err()).Err()
			}
		}
	}
}

// ClientChain is the client side of the flow: the breaker outside the
// retry. The breaker then sees one outcome per call, after retries have
// had their chance with a blip; and once it opens, a call fails at once
// instead of running the retry loop against a backend known to be down.
func ClientChain(bs *Breakers, retry grpc.UnaryClientInterceptor) []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(bs.Unary(), retry),
		grpc.WithChainStreamInterceptor(bs.Stream()),
	}
}
