package resiliencetest

import (
	"testing"

	"golang.org/x/time/rate"
	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	"github.com/grpclabs/labs/scripts/labkit"
)

// BenchmarkLimiter: the cost of one decision, the lab's token bucket
// against x/time/rate's, on a bucket that always has tokens (the common
// case: a limiter is there for the rare burst) and on one that is empty.
func BenchmarkLimiter(b *testing.B, l Lab) {
	for _, c := range []struct {
		name string
		r    float64
	}{{"has_tokens", 1e12}, {"empty", 1e-9}} {
		b.Run(c.name+"/lab", func(b *testing.B) {
			tb, err := l.NewTokenBucket(c.r, 1)
			if err != nil {
				b.Skip(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				tb.AllowN(1)
			}
		})
		b.Run(c.name+"/x_time_rate", func(b *testing.B) {
			lim := rate.NewLimiter(rate.Limit(c.r), 1)
			b.ReportAllocs()
			for b.Loop() {
				lim.Allow()
			}
		})
	}
	b.Run("keyed_1000_clients/lab", func(b *testing.B) {
		k, err := l.NewKeyedLimiter(1e12, 1, 1000)
		if err != nil {
			b.Skip(err)
		}
		keys := make([]string, 1000)
		for i := range keys {
			keys[i] = string(rune('a'+i%26)) + string(rune('a'+i/26))
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			k.Allow(keys[i%len(keys)])
			i++
		}
	})
}

// BenchmarkBreaker: what a closed breaker adds to a call, alone (Allow
// and done) and on a real unary call over bufconn, with and without the
// interceptor.
func BenchmarkBreaker(b *testing.B, l Lab) {
	b.Run("allow_done", func(b *testing.B) {
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
	for _, withBreaker := range []bool{false, true} {
		name := "call/plain"
		var o labkit.Options
		if withBreaker {
			name = "call/with_breaker"
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
