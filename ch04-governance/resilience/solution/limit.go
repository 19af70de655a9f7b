package solution

import (
	"container/list"
	"context"
	"fmt"
	"math"
	"net"
	"sync"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
)

// KeyedLimiter gives every client its own token bucket, and keeps at most
// maxKeys of them: when a new client arrives and the table is full, the
// least recently seen client's bucket is dropped. Memory stays bounded
// however many keys callers invent; the price is that a dropped client
// comes back with a full bucket.
type KeyedLimiter struct {
	perSecond float64
	burst     int
	maxKeys   int

	mu   sync.Mutex
	lru  *list.List // of *keyedBucket, most recently seen first
	byID map[string]*list.Element
}

type keyedBucket struct {
	key    string
	bucket *TokenBucket
}

// NewKeyedLimiter returns a limiter of perSecond with burst per client.
func NewKeyedLimiter(perSecond float64, burst, maxKeys int) (*KeyedLimiter, error) {
	if _, err := NewTokenBucket(perSecond, burst); err != nil {
		return nil, err
	}
	if maxKeys < 1 {
		return nil, fmt.Errorf("keyed limiter: maxKeys %d must be at least 1", maxKeys)
	}
	return &KeyedLimiter{perSecond: perSecond, burst: burst, maxKeys: maxKeys, lru: list.New(), byID: map[string]*list.Element{}}, nil
}

// Allow takes a token from key's bucket. When there is none, retryAfter is
// how long until there will be one, rounded up to whole milliseconds, so a
// client that waits exactly that long finds it.
func (l *KeyedLimiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	b := l.bucket(key)
	if b.AllowN(1) {
		return true, 0
	}
	missing := 1 - b.Tokens()
	ms := math.Ceil(missing / b.PerSecond() * 1000)
	return false, time.Duration(ms) * time.Millisecond
}

// Len is the number of clients with a bucket.
func (l *KeyedLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

func (l *KeyedLimiter) bucket(key string) *TokenBucket {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.byID[key]; ok {
		l.lru.MoveToFront(e)
		return e.Value.(*keyedBucket).bucket
	}
	if l.lru.Len() >= l.maxKeys {
		oldest := l.lru.Back()
		l.lru.Remove(oldest)
		delete(l.byID, oldest.Value.(*keyedBucket).key)
	}
	b, _ := NewTokenBucket(l.perSecond, l.burst) // validated by NewKeyedLimiter
	l.byID[key] = l.lru.PushFront(&keyedBucket{key: key, bucket: b})
	return b
}

// ClientKey names the caller for per-client limits: "key:" and its API key
// (the x-api-key metadata) when it sent one, else "peer:" and its IP
// address (without the port, which changes with every connection).
func ClientKey(ctx context.Context) string {
	if v := metadata.ValueFromIncomingContext(ctx, policy.APIKeyHeader); len(v) > 0 && v[0] != "" {
		return "key:" + v[0]
	}
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return "peer:unknown"
	}
	host, _, err := net.SplitHostPort(p.Addr.String())
	if err != nil {
		host = p.Addr.String() // no port: bufconn, a unix socket
	}
	return "peer:" + host
}

// RateLimit is a server interceptor that limits each client (named by key)
// with l. A refused call gets ResourceExhausted with a RetryInfo saying
// when to try again, and an ErrorInfo with policy.ReasonRateLimited.
func RateLimit(l *KeyedLimiter, key func(context.Context) string) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ok, retryAfter := l.Allow(key(ctx))
		if !ok {
			return nil, limited(policy.ReasonRateLimited,
				fmt.Sprintf("rate limit exceeded for %s; retry in %v", info.FullMethod, retryAfter), retryAfter)
		}
		return handler(ctx, req)
	}
}

// ConcurrencyLimit is a server interceptor that lets at most max calls run
// at once and refuses the rest at once (no queue: a queue would only add
// latency to calls that are already late).
func ConcurrencyLimit(max int) grpc.UnaryServerInterceptor {
	slots := make(chan struct{}, max)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			return handler(ctx, req)
		default:
			return nil, limited(policy.ReasonConcurrencyLimited,
				fmt.Sprintf("too many calls in flight (at most %d); %s refused", max, info.FullMethod), 0)
		}
	}
}

// limited builds the ResourceExhausted status both limits answer with.
func limited(reason, msg string, retryAfter time.Duration) error {
	st := status.New(codes.ResourceExhausted, msg)
	details := []protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: reason, Domain: policy.Domain}}
	if retryAfter > 0 {
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(retryAfter)})
	}
	with, err := st.WithDetails(details...)
	if err != nil {
		return st.Err()
	}
	return with.Err()
}
