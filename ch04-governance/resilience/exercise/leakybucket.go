package exercise

import (
	"context"
	"time"

	"github.com/grpclabs/labs/scripts/labkit"
)

// LeakyBucket lets events out at a constant rate, one every 1/perSecond,
// however they arrive: a burst is queued and released evenly. The queue is
// bounded by time: an event whose turn is more than maxWait away is refused
// at once.
type LeakyBucket struct {
	// Step 5: your fields (the interval, maxWait, a mutex, the next free turn).
}

// NewLeakyBucket returns an empty bucket, or an error unless perSecond > 0
// and maxWait >= 0.
//
// Step 5.
func NewLeakyBucket(perSecond float64, maxWait time.Duration) (*LeakyBucket, error) {
	return nil, labkit.TODO("NewLeakyBucket")
}

// Wait blocks until the caller's turn: the later of now and the next free
// turn, which then moves one interval on. It returns policy.ErrOverflow at
// once (taking no turn) when that turn is more than maxWait away, and
// ctx's error if ctx ends first.
func (b *LeakyBucket) Wait(ctx context.Context) error {
	return labkit.TODO("LeakyBucket.Wait")
}
