// Package policy holds what the resilience lab's exercise, solution and
// suite share: the breaker's states and settings, the outcome of a call,
// the retry policy, and the names both ends of a call agree on. It is
// scaffolding: the lab's work is in exercise/.
package policy

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc/codes"
)

// State is a circuit breaker's state.
type State int

const (
	// Closed: calls go through and their outcomes are counted.
	Closed State = iota
	// Open: calls fail at once, without touching the network.
	Open
	// HalfOpen: a few trial calls go through; they decide between Closed and Open.
	HalfOpen
)

func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Outcome is what a finished call tells the breaker.
type Outcome int

const (
	// Success: the backend answered (an InvalidArgument is an answer too).
	Success Outcome = iota
	// Failure: the backend is in trouble (Unavailable, DeadlineExceeded, ...).
	Failure
	// Ignored: the call says nothing about the backend (the caller gave up);
	// it is not counted, and a half-open trial slot it held is freed.
	Ignored
)

func (o Outcome) String() string {
	switch o {
	case Success:
		return "success"
	case Failure:
		return "failure"
	case Ignored:
		return "ignored"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// The breaker's refusals. A breaker wraps them with its name.
var (
	// ErrOpen: the breaker is open; the call was not made.
	ErrOpen = errors.New("circuit breaker is open")
	// ErrTrialsBusy: the breaker is half-open and all its trial calls are
	// taken; the call was not made.
	ErrTrialsBusy = errors.New("circuit breaker is half-open and its trial calls are taken")
)

// BreakerConfig is a circuit breaker's policy. The zero value of each field
// means its default: the source text's resilience4j settings.
type BreakerConfig struct {
	// FailureRate trips the breaker: when a failure is recorded and the
	// window is full, failures/calls >= FailureRate opens it. Default 0.5.
	FailureRate float64
	// Window is how many of the latest outcomes are counted (a count-based
	// sliding window). Default 10.
	Window int
	// OpenTimeout is how long the breaker stays open before it lets trial
	// calls through. Default 1s.
	OpenTimeout time.Duration
	// HalfOpenCalls is how many trial calls the half-open breaker admits;
	// that many successes close it, one failure opens it again. Default 3.
	HalfOpenCalls int
	// OnStateChange, when set, is called on every state change, with the
	// breaker's lock held: it must not call back into the breaker.
	OnStateChange func(name string, from, to State)
}

// Defaults of BreakerConfig, from the source text (failureRateThreshold 50,
// slidingWindowSize 10, waitDurationInOpenState 1000ms).
const (
	DefaultFailureRate   = 0.5
	DefaultWindow        = 10
	DefaultOpenTimeout   = time.Second
	DefaultHalfOpenCalls = 3
)

// WithDefaults returns c with every zero field set to its default.
func (c BreakerConfig) WithDefaults() BreakerConfig {
	if c.FailureRate == 0 {
		c.FailureRate = DefaultFailureRate
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.OpenTimeout == 0 {
		c.OpenTimeout = DefaultOpenTimeout
	}
	if c.HalfOpenCalls == 0 {
		c.HalfOpenCalls = DefaultHalfOpenCalls
	}
	return c
}

// Validate reports a setting no breaker can work with.
func (c BreakerConfig) Validate() error {
	switch {
	case c.FailureRate <= 0 || c.FailureRate > 1:
		return fmt.Errorf("breaker: FailureRate %v must be in (0, 1]", c.FailureRate)
	case c.Window < 1:
		return fmt.Errorf("breaker: Window %d must be at least 1", c.Window)
	case c.OpenTimeout < 0:
		return fmt.Errorf("breaker: OpenTimeout %v must not be negative", c.OpenTimeout)
	case c.HalfOpenCalls < 1:
		return fmt.Errorf("breaker: HalfOpenCalls %d must be at least 1", c.HalfOpenCalls)
	}
	return nil
}

// DefaultFailureCodes are the codes that count against a backend: it is
// down, too slow, or broken. Never the caller's own mistakes
// (InvalidArgument, NotFound, PermissionDenied, ...): a backend that
// answers them is healthy.
var DefaultFailureCodes = []codes.Code{codes.Unavailable, codes.DeadlineExceeded, codes.Internal, codes.Unknown}

// InterceptorConfig configures the breaker interceptors: one breaker per
// target and method, each with the same policy.
type InterceptorConfig struct {
	Breaker BreakerConfig
	// FailureCodes count as failures; nil means DefaultFailureCodes.
	FailureCodes []codes.Code
}

// BreakerName is the name of the breaker guarding method on target, as the
// interceptors name it (and errors, logs and metrics show it):
// "dns:///inventory:50051/orders.v1.InventoryService/Reserve".
func BreakerName(target, method string) string { return target + method }

// The limiter's answers carry a google.rpc.ErrorInfo with this domain and
// one of these reasons, so clients and dashboards can tell a rate limit
// from a concurrency limit without parsing messages.
const (
	Domain                   = "resilience.grpclabs.dev"
	ReasonRateLimited        = "RATE_LIMITED"
	ReasonConcurrencyLimited = "CONCURRENCY_LIMITED"
	APIKeyHeader             = "x-api-key" // the metadata key ClientKey reads
)

// ErrOverflow is the leaky bucket's refusal: the caller's turn would come
// later than the bucket's maximum wait.
var ErrOverflow = errors.New("leaky bucket: the queue is full (the wait would exceed the maximum)")

// RetryPolicy says when and how often the retry interceptor tries again.
// Its backoff is grpc-go's: the n-th retry waits
// min(InitialBackoff·Multiplier^(n-1), MaxBackoff) times a random factor
// in [0.8, 1.2).
type RetryPolicy struct {
	MaxAttempts    int // every attempt, the first included
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	Multiplier     float64
	// RetryableCodes; nil means Unavailable only.
	RetryableCodes []codes.Code
	// Rand returns a number in [0, 1) for the jitter; nil means math/rand/v2.
	Rand func() float64
}

// WithDefaults fills the zero fields: 3 attempts, 100ms doubling to 1s,
// Unavailable only.
func (p RetryPolicy) WithDefaults() RetryPolicy {
	if p.MaxAttempts < 1 {
		p.MaxAttempts = 3
	}
	if p.InitialBackoff <= 0 {
		p.InitialBackoff = 100 * time.Millisecond
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = time.Second
	}
	if p.Multiplier < 1 {
		p.Multiplier = 2
	}
	if p.RetryableCodes == nil {
		p.RetryableCodes = []codes.Code{codes.Unavailable}
	}
	if p.Rand == nil {
		p.Rand = rand.Float64
	}
	return p
}
