package exercise

import (
	"time"

	"github.com/grpclabs/labs/scripts/labkit"
)

// TokenBucket is a token bucket: it holds up to burst tokens, gains
// perSecond of them every second, and each event takes one or more. A full
// bucket lets a burst through at once; after that, events pass at the
// refill rate.
//
// Its decisions must be x/time/rate's, to the nanosecond, so use the same
// arithmetic: tokens is a float64; at time now it is
// min(tokens + now.Sub(last).Seconds()*perSecond, burst); a deficit of d
// tokens takes time.Duration(d / perSecond * float64(time.Second)); and
// tokens and last change only when tokens are taken.
type TokenBucket struct {
	// Step 4: your fields (a mutex, tokens, last).
}

// NewTokenBucket returns a full bucket, or an error unless perSecond > 0
// and burst >= 1.
//
// Step 4.
func NewTokenBucket(perSecond float64, burst int) (*TokenBucket, error) {
	return nil, labkit.TODO("NewTokenBucket")
}

// AllowN takes n tokens if the bucket has them now.
func (b *TokenBucket) AllowN(n int) bool { return false }

// ReserveN takes n tokens now, going into debt if it must, and returns how
// long the caller has to wait before acting. ok is false (and nothing is
// taken) when n is more than burst.
func (b *TokenBucket) ReserveN(n int) (wait time.Duration, ok bool) { return 0, false }

// Tokens is the number of tokens now (negative while in debt).
func (b *TokenBucket) Tokens() float64 { return 0 }

// PerSecond is the refill rate.
func (b *TokenBucket) PerSecond() float64 { return 0 }
