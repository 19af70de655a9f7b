package solution

import (
	"errors"
	"sync"
	"time"
)

// TokenBucket admits rate requests per second on average and bursts of
// up to burst: it holds up to burst tokens, refills at rate per second,
// and each admitted request spends one. It reads the clock only when
// asked (no refill goroutine), so in a testing/synctest bubble it runs on
// the bubble's fake time.
type TokenBucket struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

// NewTokenBucket returns a full bucket.
func NewTokenBucket(rate float64, burst int) (*TokenBucket, error) {
	if rate <= 0 || burst < 1 {
		return nil, errors.New("flashsale: a token bucket needs a positive rate and a burst of at least 1")
	}
	return &TokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: time.Now()}, nil
}

// Allow spends a token if there is one.
func (b *TokenBucket) Allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
