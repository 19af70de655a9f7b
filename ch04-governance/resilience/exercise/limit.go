package exercise

import (
	"context"
	"time"

	"google.golang.org/grpc"

	"github.com/grpclabs/labs/scripts/labkit"
)

// KeyedLimiter gives every client its own token bucket, and keeps at most
// maxKeys of them: when a new client arrives and the table is full, the
// least recently seen client's bucket is dropped (container/list makes an
// LRU: a map to list elements, MoveToFront on every use, evict Back()).
type KeyedLimiter struct {
	// Step 6: your fields.
}

// NewKeyedLimiter returns a limiter of perSecond with burst per client, or
// an error for a bad rate or burst (as NewTokenBucket) or maxKeys < 1.
//
// Step 6.
func NewKeyedLimiter(perSecond float64, burst, maxKeys int) (*KeyedLimiter, error) {
	return nil, labkit.TODO("NewKeyedLimiter")
}

// Allow takes a token from key's bucket. When there is none, retryAfter is
// how long until there will be one (1 - Tokens() tokens at PerSecond),
// rounded up to whole milliseconds, so a client that waits exactly that
// long finds it.
func (l *KeyedLimiter) Allow(key string) (ok bool, retryAfter time.Duration) { return false, 0 }

// Len is the number of clients with a bucket.
func (l *KeyedLimiter) Len() int { return 0 }

// ClientKey names the caller for per-client limits: "key:" and its API key
// (the policy.APIKeyHeader metadata) when it sent a non-empty one, else
// "peer:" and its IP address without the port (peer.FromContext;
// net.SplitHostPort, or the whole address when it has no port), else
// "peer:unknown".
//
// Step 6.
func ClientKey(ctx context.Context) string {
	return labkit.TODO("ClientKey").Error()
}

// RateLimit is a server interceptor that limits each client (named by key)
// with l. A refused call gets ResourceExhausted with two details: an
// errdetails.ErrorInfo{Reason: policy.ReasonRateLimited, Domain:
// policy.Domain} and an errdetails.RetryInfo with the retry-after.
//
// Step 6.
func RateLimit(l *KeyedLimiter, key func(context.Context) string) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return nil, labkit.TODO("RateLimit")
	}
}

// ConcurrencyLimit is a server interceptor that lets at most max calls run
// at once and refuses the rest at once with ResourceExhausted and an
// ErrorInfo with policy.ReasonConcurrencyLimited (no RetryInfo: nobody
// knows when a slot frees). A buffered channel is a semaphore.
//
// Step 6.
func ConcurrencyLimit(max int) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return nil, labkit.TODO("ConcurrencyLimit")
	}
}
