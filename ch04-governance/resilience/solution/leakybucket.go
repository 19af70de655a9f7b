package solution

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
)

// LeakyBucket lets events out at a constant rate, one every 1/perSecond,
// however they arrive: a burst is queued and released evenly. The queue is
// bounded by time: an event whose turn is more than maxWait away is refused
// at once, instead of waiting for a turn that is useless by then.
type LeakyBucket struct {
	interval time.Duration
	maxWait  time.Duration

	mu   sync.Mutex
	next time.Time // the earliest free turn
}

// NewLeakyBucket returns an empty bucket.
func NewLeakyBucket(perSecond float64, maxWait time.Duration) (*LeakyBucket, error) {
	if perSecond <= 0 || maxWait < 0 {
		return nil, fmt.Errorf("leaky bucket: rate %v must be > 0 and max wait %v not negative", perSecond, maxWait)
	}
	return &LeakyBucket{interval: time.Duration(float64(time.Second) / perSecond), maxWait: maxWait}, nil
}

// Wait blocks until the caller's turn. It returns policy.ErrOverflow at
// once when that turn is more than maxWait away, and ctx's error if ctx
// ends first (the turn is not given back: the output rate stays a bound).
func (b *LeakyBucket) Wait(ctx context.Context) error {
	b.mu.Lock()
	now := time.Now()
	turn := now
	if b.next.After(now) {
		turn = b.next
	}
	if turn.Sub(now) > b.maxWait {
		b.mu.Unlock()
		return policy.ErrOverflow
	}
	b.next = turn.Add(b.interval)
	b.mu.Unlock()

	wait := turn.Sub(now)
	if wait == 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
