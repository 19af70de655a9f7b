package exercise

import (
	"sync"
	"time"

	"github.com/grpclabs/labs/scripts/labkit"
)

// TokenBucket admits rate requests per second on average and bursts of
// up to burst. Read the clock (time.Now) only when asked: no goroutine.
type TokenBucket struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

// NewTokenBucket returns a full bucket; it fails unless rate > 0 and
// burst >= 1.
//
// Step 4.
func NewTokenBucket(rate float64, burst int) (*TokenBucket, error) {
	return nil, labkit.TODO("NewTokenBucket")
}

// Allow adds the tokens earned since last (at rate per second, never more
// than burst), then spends one if there is at least one.
//
// Step 4.
func (b *TokenBucket) Allow() bool { return false }
