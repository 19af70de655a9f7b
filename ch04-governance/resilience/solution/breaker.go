package solution

import (
	"fmt"
	"sync"
	"time"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
)

// Breaker is a circuit breaker: closed, it counts outcomes in a sliding
// window and opens when the failure rate over a full window reaches the
// threshold; open, it refuses calls for OpenTimeout; half-open, it admits
// HalfOpenCalls trial calls, which close it if they all succeed and open it
// again at the first failure.
type Breaker struct {
	name string
	cfg  policy.BreakerConfig

	mu       sync.Mutex
	state    policy.State
	window   *Window
	openedAt time.Time
	// generation counts state changes. A call's outcome belongs to the
	// generation that admitted it: an answer that arrives after the state
	// changed says nothing about the new state, and is dropped.
	generation uint64
	trials     int // half-open: trial calls admitted and not yet ignored
	successes  int // half-open: trial calls that succeeded
}

// NewBreaker returns a closed breaker with cfg's policy (zero fields are
// the defaults).
func NewBreaker(name string, cfg policy.BreakerConfig) (*Breaker, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	w, err := NewWindow(cfg.Window)
	if err != nil {
		return nil, err
	}
	return &Breaker{name: name, cfg: cfg, window: w}, nil
}

// Name is the breaker's name.
func (b *Breaker) Name() string { return b.name }

// State returns the current state; an open breaker whose timeout has
// passed reports (and becomes) half-open.
func (b *Breaker) State() policy.State {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(time.Now())
	return b.state
}

// Allow asks to make one call. When the breaker refuses, err wraps
// policy.ErrOpen or policy.ErrTrialsBusy and names the breaker. Otherwise
// the caller makes the call and reports its outcome with done, exactly
// once (later calls of done are ignored).
func (b *Breaker) Allow() (done func(policy.Outcome), err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(time.Now())
	switch b.state {
	case policy.Open:
		return nil, fmt.Errorf("%s: %w", b.name, policy.ErrOpen)
	case policy.HalfOpen:
		if b.trials >= b.cfg.HalfOpenCalls {
			return nil, fmt.Errorf("%s: %w", b.name, policy.ErrTrialsBusy)
		}
		b.trials++
	}
	gen := b.generation
	var once sync.Once
	return func(o policy.Outcome) { once.Do(func() { b.record(gen, o) }) }, nil
}

func (b *Breaker) record(gen uint64, o policy.Outcome) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(time.Now())
	if gen != b.generation {
		return // admitted under an earlier state
	}
	switch b.state {
	case policy.Closed:
		if o == policy.Ignored {
			return
		}
		b.window.Record(o == policy.Failure)
		// Only a failure can push the rate up to the threshold.
		if calls, failures := b.window.Counts(); o == policy.Failure && b.window.Full() &&
			float64(failures) >= b.cfg.FailureRate*float64(calls) {
			b.setState(policy.Open, time.Now())
		}
	case policy.HalfOpen:
		switch o {
		case policy.Ignored:
			b.trials-- // the slot goes to another caller
		case policy.Failure:
			b.setState(policy.Open, time.Now())
		case policy.Success:
			if b.successes++; b.successes >= b.cfg.HalfOpenCalls {
				b.setState(policy.Closed, time.Now())
			}
		}
	}
}

// advance moves an open breaker to half-open once OpenTimeout has passed.
// The clock is read, not waited on: no goroutine, no timer.
func (b *Breaker) advance(now time.Time) {
	if b.state == policy.Open && now.Sub(b.openedAt) >= b.cfg.OpenTimeout {
		b.setState(policy.HalfOpen, now)
	}
}

func (b *Breaker) setState(to policy.State, now time.Time) {
	from := b.state
	b.state = to
	b.generation++
	b.window.Reset()
	b.trials, b.successes = 0, 0
	if to == policy.Open {
		b.openedAt = now
	}
	if b.cfg.OnStateChange != nil {
		b.cfg.OnStateChange(b.name, from, to)
	}
}
