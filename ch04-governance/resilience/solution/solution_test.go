package solution_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	rt "github.com/grpclabs/labs/ch04-governance/resilience/resiliencetest"
	"github.com/grpclabs/labs/ch04-governance/resilience/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var lab = rt.Lab{
	NewWindow:       func(n int) (rt.Window, error) { return solution.NewWindow(n) },
	NewBreaker:      func(name string, c policy.BreakerConfig) (rt.Breaker, error) { return solution.NewBreaker(name, c) },
	NewBreakers:     func(c policy.InterceptorConfig) (rt.Breakers, error) { return solution.NewBreakers(c) },
	NewTokenBucket:  func(r float64, b int) (rt.TokenBucket, error) { return solution.NewTokenBucket(r, b) },
	NewLeakyBucket:  func(r float64, w time.Duration) (rt.LeakyBucket, error) { return solution.NewLeakyBucket(r, w) },
	NewKeyedLimiter: func(r float64, b, n int) (rt.KeyedLimiter, error) { return solution.NewKeyedLimiter(r, b, n) },
	ClientKey:       solution.ClientKey,
	RateLimit: func(k rt.KeyedLimiter, key func(context.Context) string) grpc.UnaryServerInterceptor {
		return solution.RateLimit(k.(*solution.KeyedLimiter), key)
	},
	ConcurrencyLimit: solution.ConcurrencyLimit,
	NewRetryBudget:   func(m, r float64) (rt.RetryBudget, error) { return solution.NewRetryBudget(m, r) },
	Retry: func(p policy.RetryPolicy, b rt.RetryBudget) grpc.UnaryClientInterceptor {
		return solution.Retry(p, b.(*solution.RetryBudget))
	},
	ClientChain: func(bs rt.Breakers, retry grpc.UnaryClientInterceptor) []grpc.DialOption {
		return solution.ClientChain(bs.(*solution.Breakers), retry)
	},
}

func TestWindow(t *testing.T)              { rt.TestWindow(t, lab) }
func TestBreaker(t *testing.T)             { rt.TestBreaker(t, lab) }
func TestBreakerGobreaker(t *testing.T)    { rt.TestBreakerGobreaker(t, lab) }
func TestBreakerInterceptors(t *testing.T) { rt.TestBreakerInterceptors(t, lab) }
func TestTokenBucket(t *testing.T)         { rt.TestTokenBucket(t, lab) }
func TestLeakyBucket(t *testing.T)         { rt.TestLeakyBucket(t, lab) }
func TestKeyedLimiter(t *testing.T)        { rt.TestKeyedLimiter(t, lab) }
func TestRateLimit(t *testing.T)           { rt.TestRateLimit(t, lab) }
func TestConcurrencyLimit(t *testing.T)    { rt.TestConcurrencyLimit(t, lab) }
func TestRetryBudget(t *testing.T)         { rt.TestRetryBudget(t, lab) }
func TestDarkBackend(t *testing.T)         { rt.TestDarkBackend(t, lab) }

func BenchmarkLimiter(b *testing.B)     { rt.BenchmarkLimiter(b, lab) }
func BenchmarkBreaker(b *testing.B)     { rt.BenchmarkBreaker(b, lab) }
func BenchmarkBreakerCall(b *testing.B) { rt.BenchmarkBreakerCall(b, lab) }
