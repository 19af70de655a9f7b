package resiliencetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"
	"golang.org/x/time/rate"
	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	"github.com/grpclabs/labs/scripts/labkit"
)

// BenchmarkLimiter: the cost of one decision, the lab's token bucket
// against x/time/rate's, on a bucket that always has tokens (the common
// case: a limiter is there for the rare burst), on an empty one, and per
// client over 1,000 clients (the lab's bounded table against a plain map
// of rate.Limiters that never forgets a client).
func BenchmarkLimiter(b *testing.B, l Lab) {
	for _, c := range []struct {
		name string
		r    float64
	}{{"has_tokens", 1e12}, {"empty", 1e-9}} {
		b.Run("case="+c.name+"/impl=lab", func(b *testing.B) {
			tb, err := l.NewTokenBucket(c.r, 1)
			if err != nil {
				b.Skip(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				tb.AllowN(1)
			}
		})
		b.Run("case="+c.name+"/impl=x_time_rate", func(b *testing.B) {
			lim := rate.NewLimiter(rate.Limit(c.r), 1)
			b.ReportAllocs()
			for b.Loop() {
				lim.Allow()
			}
		})
	}
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprint("client-", i)
	}
	b.Run("case=1000_clients/impl=lab", func(b *testing.B) {
		k, err := l.NewKeyedLimiter(1e12, 1, 1000)
		if err != nil {
			b.Skip(err)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			k.Allow(keys[i%len(keys)])
			i++
		}
	})
	b.Run("case=1000_clients/impl=x_time_rate", func(b *testing.B) {
		var mu sync.Mutex
		m := map[string]*rate.Limiter{}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			key := keys[i%len(keys)]
			mu.Lock()
			lim, ok := m[key]
			if !ok {
				lim = rate.NewLimiter(1e12, 1)
				m[key] = lim
			}
			mu.Unlock()
			lim.Allow()
			i++
		}
	})
}

// BenchmarkBreaker: a closed breaker's Allow and done, the lab's against
// gobreaker's two-step breaker.
func BenchmarkBreaker(b *testing.B, l Lab) {
	b.Run("impl=lab", func(b *testing.B) {
		br, err := l.NewBreaker("bench", policy.BreakerConfig{})
		if err != nil {
			b.Skip(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			done, _ := br.Allow()
			done(policy.Success)
		}
	})
	b.Run("impl=gobreaker", func(b *testing.B) {
		br := gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{Name: "bench"})
		b.ReportAllocs()
		for b.Loop() {
			done, _ := br.Allow()
			done(nil)
		}
	})
}

// BenchmarkBreakerCall: what the breaker interceptor adds to a real unary
// call over bufconn.
func BenchmarkBreakerCall(b *testing.B, l Lab) {
	// Each round is a fresh process: warm it up (first connections, heap
	// growth) so the variant that runs first is not charged for it.
	warm := labkit.Serve(b, labkit.Bufconn, func(g *grpc.Server) { registerInventory(g, &inventory{}) }, labkit.Options{})
	for start := time.Now(); time.Since(start) < 500*time.Millisecond; {
		reserve(b.Context(), newInventoryClient(warm.Conn))
	}
	for _, withBreaker := range []bool{false, true} {
		name := "interceptor=none"
		var o labkit.Options
		if withBreaker {
			name = "interceptor=breaker"
			bs, err := l.NewBreakers(policy.InterceptorConfig{})
			if err != nil {
				b.Skip(err)
			}
			o.Client = []grpc.DialOption{grpc.WithUnaryInterceptor(bs.Unary())}
		}
		b.Run(name, func(b *testing.B) {
			inv := &inventory{}
			s := labkit.Serve(b, labkit.Bufconn, func(g *grpc.Server) { registerInventory(g, inv) }, o)
			client := newInventoryClient(s.Conn)
			b.ReportAllocs()
			for b.Loop() {
				if err := reserve(b.Context(), client); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
