package exercise

import (
	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Breaker is a circuit breaker: closed, it counts outcomes in a sliding
// window and opens when the failure rate over a full window reaches the
// threshold; open, it refuses calls for OpenTimeout; half-open, it admits
// HalfOpenCalls trial calls, which close it if they all succeed and open it
// again at the first failure.
//
// It must be safe for concurrent use: one mutex around the state is enough.
type Breaker struct {
	// Step 2: your fields (name, config, state, a *Window, when it opened, ...).
}

// NewBreaker returns a closed breaker with cfg's policy: cfg.WithDefaults(),
// then cfg.Validate() (return its error).
//
// Step 2.
func NewBreaker(name string, cfg policy.BreakerConfig) (*Breaker, error) {
	return nil, labkit.TODO("NewBreaker")
}

// Name is the breaker's name.
func (b *Breaker) Name() string { return "" }

// State returns the current state; an open breaker whose OpenTimeout has
// passed (time.Now() - opened >= OpenTimeout) reports, and becomes,
// half-open.
func (b *Breaker) State() policy.State { return policy.Closed }

// Allow asks to make one call. When the breaker refuses, err wraps
// policy.ErrOpen (open) or policy.ErrTrialsBusy (half-open, all trials out)
// and names the breaker. Otherwise the caller makes the call and reports
// its outcome with done, exactly once (later calls of done are ignored).
//
// Outcomes: closed, Success and Failure go into the window and a Failure
// that leaves a full window at or above FailureRate opens the breaker
// (Ignored is not counted). Half-open, a Failure opens it, HalfOpenCalls
// Successes close it, and Ignored gives the trial slot back. An outcome of
// a call admitted before the latest state change is dropped. Every state
// change starts a fresh window and calls cfg.OnStateChange.
//
// Step 2.
func (b *Breaker) Allow() (done func(policy.Outcome), err error) {
	return nil, labkit.TODO("Breaker.Allow")
}
