package resiliencetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	"github.com/grpclabs/labs/scripts/labkit"
)

// op is one step of a script: a call with an outcome, or a pause.
type op struct {
	fail  bool
	pause time.Duration // a pause when > 0
}

// script parses "F S S 1.1s F": F and S are calls that fail or succeed,
// a duration is a pause. "10F" is ten failures.
func script(s string) []op {
	var ops []op
	for _, f := range strings.Fields(s) {
		if d, err := time.ParseDuration(f); err == nil {
			ops = append(ops, op{pause: d})
			continue
		}
		n := 1
		if len(f) > 1 {
			fmt.Sscanf(f[:len(f)-1], "%d", &n)
		}
		for range n {
			ops = append(ops, op{fail: f[len(f)-1] == 'F'})
		}
	}
	return ops
}

// gobreakerLike is gobreaker configured to the lab's default policy as
// closely as its model allows: trip on a failure once 10 outcomes are
// counted and half or more failed; 1s open; 3 trials.
func gobreakerLike() *gobreaker.TwoStepCircuitBreaker[struct{}] {
	return gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "gobreaker",
		MaxRequests: policy.DefaultHalfOpenCalls,
		Interval:    0, // counts are cleared only on state changes
		Timeout:     policy.DefaultOpenTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			n := c.TotalSuccesses + c.TotalFailures
			return n >= policy.DefaultWindow && float64(c.TotalFailures) >= policy.DefaultFailureRate*float64(n)
		},
	})
}

var errBackend = errors.New("backend failed")

var gobreakerStates = map[gobreaker.State]policy.State{
	gobreaker.StateClosed: policy.Closed, gobreaker.StateOpen: policy.Open, gobreaker.StateHalfOpen: policy.HalfOpen,
}

// decision is what one call got from a breaker.
type decision struct {
	admitted bool
	after    policy.State
}

// step runs one op on both breakers and returns their decisions. A pause
// returns no decision.
func stepBoth(t *testing.T, ours Breaker, theirs *gobreaker.TwoStepCircuitBreaker[struct{}], o op) (a, b decision, isCall bool) {
	t.Helper()
	if o.pause > 0 {
		time.Sleep(o.pause)
		return decision{}, decision{}, false
	}
	outcome := policy.Success
	if o.fail {
		outcome = policy.Failure
	}
	a.admitted = call(t, ours, outcome)
	a.after = ours.State()
	if done, err := theirs.Allow(); err == nil {
		b.admitted = true
		var err error
		if o.fail {
			err = errBackend
		}
		done(err)
	} else if !errors.Is(err, gobreaker.ErrOpenState) && !errors.Is(err, gobreaker.ErrTooManyRequests) {
		t.Fatalf("gobreaker: %v", err)
	}
	b.after = gobreakerStates[theirs.State()]
	return a, b, true
}

// runBoth plays script on a fresh breaker of the lab and on gobreaker, in
// a bubble, and hands each call's two decisions to check (n counts calls
// from 1).
func runBoth(t *testing.T, l Lab, s string, check func(n int, ours, theirs decision)) {
	labkit.Bubble(t, func(t *testing.T) {
		ours, err := l.NewBreaker("ours", policy.BreakerConfig{})
		step2.Require(t, err)
		theirs := gobreakerLike()
		n := 0
		for _, o := range script(s) {
			if a, b, isCall := stepBoth(t, ours, theirs, o); isCall {
				n++
				check(n, a, b)
			}
		}
	})
}

// TestBreakerGobreaker: step 2, the breaker against sony/gobreaker on
// scripted call sequences. Where the two models agree, every decision
// must be the same; the two places where they differ are pinned exactly.
func TestBreakerGobreaker(t *testing.T, l Lab) {
	probeBreaker(t, l)

	agree := []struct{ name, script string }{
		{"ten_failures", "10F F F 1.001s S S S 10S"},
		{"half_of_ten", "5S 5F F 1.5s 3S"},
		{"below_threshold", "6S 4F"},
		{"failed_trial_reopens", "10F 1.001s S F 500ms S 501ms S S S 9F"},
		{"failure_ends_a_full_window", "5F 5S F"}, // only a failure can trip: both wait for the 11th call
		{"long_open", "10F 30s S S S"},
	}
	for _, tc := range agree {
		t.Run("agree/"+tc.name, func(t *testing.T) {
			runBoth(t, l, tc.script, func(n int, a, b decision) {
				if a != b {
					t.Fatalf("%q, call %d: ours admitted=%v then %v; gobreaker admitted=%v then %v. The models agree here, so the decisions must too",
						tc.script, n, a.admitted, a.after, b.admitted, b.after)
				}
			})
		})
	}

	// Where they differ, by design.
	differ := []struct {
		name, script string
		at           int // the first call where they differ
		ours, theirs decision
		why          string
	}{
		{"the_window_forgets_old_successes", "10S 5F", 15,
			decision{true, policy.Open}, decision{true, policy.Closed},
			"our window holds the latest 10 calls (5 S, 5 F: 50%); gobreaker counts all 15 since the state changed (5/15)"},
		{"the_window_forgets_old_failures", "9F 9S F", 19,
			decision{true, policy.Closed}, decision{true, policy.Open},
			"our window holds S×9 F (10%); gobreaker counts 10 failures of 19 (53%)"},
		{"the_open_period_ends_at_the_instant", "10F 1s S", 11,
			decision{true, policy.HalfOpen}, decision{false, policy.Open},
			"ours is open for exactly OpenTimeout; gobreaker's expiry check is expiry.Before(now), so it lets the first trial through 1ns later"},
	}
	for _, tc := range differ {
		t.Run("differ/"+tc.name, func(t *testing.T) {
			runBoth(t, l, tc.script, func(n int, a, b decision) {
				switch {
				case n < tc.at && a != b:
					t.Fatalf("%q, call %d: ours %+v, gobreaker %+v; they must agree before call %d", tc.script, n, a, b, tc.at)
				case n == tc.at && (a != tc.ours || b != tc.theirs):
					t.Fatalf("%q, call %d: ours %+v, gobreaker %+v; want ours %+v, gobreaker %+v: %s", tc.script, n, a, b, tc.ours, tc.theirs, tc.why)
				}
			})
		})
	}

	// Random scripts: they may part only once our window has slid, that is
	// after more than Window outcomes in one closed period.
	t.Run("random", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 11))
			for run := range 300 {
				ours, err := l.NewBreaker("ours", policy.BreakerConfig{})
				step2.Require(t, err)
				theirs := gobreakerLike()
				var trace []string
				inClosed := 0 // outcomes recorded since the breaker last became closed
				for i := range 60 {
					o := op{fail: rng.IntN(100) < 30+run%50}
					if rng.IntN(8) == 0 {
						o = op{pause: []time.Duration{300 * time.Millisecond, 1100 * time.Millisecond}[rng.IntN(2)]}
					}
					before := ours.State()
					a, b, isCall := stepBoth(t, ours, theirs, o)
					if !isCall {
						trace = append(trace, o.pause.String())
						continue
					}
					trace = append(trace, map[bool]string{true: "F", false: "S"}[o.fail])
					if before == policy.Closed && a.admitted {
						inClosed++
					}
					if a != b {
						if inClosed <= policy.DefaultWindow {
							t.Fatalf("run %d, call %d of %q: ours %+v, gobreaker %+v, after only %d outcomes in this closed period; the models agree until the window slides",
								run, i+1, strings.Join(trace, " "), a, b, inClosed)
						}
						break
					}
					if a.after != policy.Closed || before != policy.Closed {
						inClosed = 0
					}
				}
			}
		})
	})
}
