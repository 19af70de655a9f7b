package solution

import (
	"fmt"
	"sync"
	"time"
)

// TokenBucket is a token bucket: it holds up to burst tokens, gains
// perSecond of them every second, and each event takes one or more. A full
// bucket lets a burst through at once; after that, events pass at the
// refill rate.
//
// Its decisions are x/time/rate's, to the nanosecond: the same float64
// arithmetic, and the state changes only when tokens are taken, so the
// rounding is the same too.
type TokenBucket struct {
	perSecond float64
	burst     int

	mu     sync.Mutex
	tokens float64   // at last; negative while reservations are in debt
	last   time.Time // when tokens was computed
}

// NewTokenBucket returns a full bucket.
func NewTokenBucket(perSecond float64, burst int) (*TokenBucket, error) {
	if perSecond <= 0 || burst < 1 {
		return nil, fmt.Errorf("token bucket: rate %v must be > 0 and burst %d at least 1", perSecond, burst)
	}
	return &TokenBucket{perSecond: perSecond, burst: burst, tokens: float64(burst)}, nil
}

// AllowN takes n tokens if the bucket has them now.
func (b *TokenBucket) AllowN(n int) bool {
	_, ok := b.reserve(n, false)
	return ok
}

// ReserveN takes n tokens now, going into debt if it must, and returns how
// long the caller has to wait before acting. ok is false (and nothing is
// taken) when n is more than the bucket can ever hold.
func (b *TokenBucket) ReserveN(n int) (wait time.Duration, ok bool) {
	return b.reserve(n, true)
}

// Tokens is the number of tokens now (negative while in debt).
func (b *TokenBucket) Tokens() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.at(time.Now())
}

// PerSecond is the refill rate.
func (b *TokenBucket) PerSecond() float64 { return b.perSecond }

func (b *TokenBucket) reserve(n int, mayWait bool) (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	tokens := b.at(now) - float64(n)
	var wait time.Duration
	if tokens < 0 {
		wait = b.durationOf(-tokens)
	}
	if n > b.burst || (wait > 0 && !mayWait) {
		return 0, false
	}
	b.tokens, b.last = tokens, now
	return wait, true
}

// at is the token count at now, without changing the bucket.
func (b *TokenBucket) at(now time.Time) float64 {
	last := b.last
	if now.Before(last) {
		last = now
	}
	return min(b.tokens+now.Sub(last).Seconds()*b.perSecond, float64(b.burst))
}

// durationOf is how long the bucket takes to gain tokens.
func (b *TokenBucket) durationOf(tokens float64) time.Duration {
	return time.Duration(tokens / b.perSecond * float64(time.Second))
}
