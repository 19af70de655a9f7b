package room

import (
	"sync"
	"time"
)

// limiter is a token bucket per client address: each request takes a
// token, tokens come back at rate per second up to burst. A watch reports
// once per save and the page polls every two seconds, so an honest client
// never meets it; a guesser or a flood does.
type limiter struct {
	rate    float64
	burst   float64
	max     int // addresses tracked at once
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rate, burst float64, max int) *limiter {
	return &limiter{rate: rate, burst: burst, max: max, buckets: map[string]*bucket{}}
}

// allow takes a token for addr at now, or says how long until one is back.
func (l *limiter) allow(addr string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[addr]
	if b == nil {
		if len(l.buckets) >= l.max {
			l.sweep(now)
		}
		if len(l.buckets) >= l.max {
			// Every tracked address is busy: a flood of addresses. Refuse
			// newcomers rather than grow without bound.
			return false, time.Second
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[addr] = b
	}
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(l.burst, b.tokens+d.Seconds()*l.rate)
		b.at = now
	}
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

// sweep forgets the addresses whose buckets have refilled: forgetting them
// changes nothing.
func (l *limiter) sweep(now time.Time) {
	for addr, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, addr)
		}
	}
}
