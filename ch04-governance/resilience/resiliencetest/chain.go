package resiliencetest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	"github.com/grpclabs/labs/scripts/labkit"
)

// probeChain stops the test with step 7's TODO while the budget, the retry
// interceptor or the chain is not written.
func probeChain(t *testing.T, l Lab) {
	t.Helper()
	b, err := l.NewRetryBudget(10, 0.1)
	step7.Require(t, err)
	cc, err := grpc.NewClient("passthrough:///probe", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ok := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	retry := l.Retry(policy.RetryPolicy{}, b)
	step7.Require(t, retry(t.Context(), reserveMethod, nil, nil, cc, ok))
	bs, err := l.NewBreakers(policy.InterceptorConfig{})
	step3.Require(t, err)
	_, client, _ := serveInventory(t, labkit.Bufconn, labkit.Options{Client: l.ClientChain(bs, retry)})
	step7.Require(t, reserve(t.Context(), client))
}

// TestRetryBudget: step 7, the budget decides retries exactly as grpc-go's
// own retry throttling (gRFC A6) does, counted at the server.
func TestRetryBudget(t *testing.T, l Lab) {
	for _, bad := range [][2]float64{{0, 0.1}, {10, 0}, {-1, 1}} {
		if _, err := l.NewRetryBudget(bad[0], bad[1]); step7.Check(t, err) == nil {
			t.Errorf("NewRetryBudget(%v, %v) succeeded; want an error", bad[0], bad[1])
		}
	}
	probeChain(t, l)

	t.Run("tokens", func(t *testing.T) {
		b, _ := l.NewRetryBudget(10, 0.5)
		var got []bool
		for range 6 {
			got = append(got, b.Failure())
		}
		if want := []bool{true, true, true, true, false, false}; !slices.Equal(got, want) {
			t.Fatalf("6 failures on a full budget of 10: retries allowed %v, want %v (10 tokens, one per failure, retry while more than 5 are left)", got, want)
		}
		for range 6 {
			b.Success()
		}
		if first, second := b.Failure(), b.Failure(); !first || second {
			t.Errorf("after 6 successes at ratio 0.5, two failures allowed retries %v, %v; want true, false (4 + 3 = 7 tokens; 7 -> 6 is more than 5, 6 -> 5 is not)", first, second)
		}
		for range 100 {
			b.Success()
		}
		for i := range 5 {
			if !b.Failure() {
				t.Fatalf("failure %d after 100 successes allowed no retry; the budget is capped at maxTokens (10), so 4 retries are allowed", i+1)
			}
			if i == 3 {
				break
			}
		}
		if b.Failure() {
			t.Error("a 5th failure in a row was allowed a retry; a full budget of 10 allows 4 (10 -> 6), the 5th leaves 5")
		}
	})

	// grpc-go's retry with retryThrottling, and the lab's Retry with the
	// budget, against the same backend outages: the attempts that reach
	// the backend, call by call, must be the same.
	const serviceConfig = `{
	  "methodConfig": [{"name": [{"service": "orders.v1.InventoryService"}],
	    "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.01s", "maxBackoff": "0.1s", "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}],
	  "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1}
	}`
	outages := map[string]func(call int) bool{
		"down_for_30_calls":           func(i int) bool { return i < 30 },
		"up_20_down_10_up_40_down_20": func(i int) bool { return (i >= 20 && i < 30) || (i >= 70 && i < 90) },
		"every_third":                 func(i int) bool { return i%3 == 0 },
		"flapping":                    func(i int) bool { return (i/4)%2 == 1 },
	}
	for name, down := range outages {
		t.Run("like_grpc_retry_throttling/"+name, func(t *testing.T) {
			labkit.Bubble(t, func(t *testing.T) {
				budget, _ := l.NewRetryBudget(10, 0.1)
				ours := attemptsPerCall(t, down, grpc.WithUnaryInterceptor(l.Retry(policy.RetryPolicy{MaxAttempts: 3, InitialBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, Multiplier: 2}, budget)))
				theirs := attemptsPerCall(t, down, grpc.WithDefaultServiceConfig(serviceConfig))
				if !slices.Equal(ours, theirs) {
					t.Errorf("attempts per call reaching the backend:\n  ours:    %v\n  grpc-go: %v\nevery failed attempt with a retryable code costs a token (the last one too), every successful call earns 0.1", ours, theirs)
				}
			})
		})
	}
}

// attemptsPerCall makes 100 calls to a backend that is down for the calls
// down says, and returns how many attempts each call cost it.
func attemptsPerCall(t *testing.T, down func(call int) bool, opt grpc.DialOption) []int {
	t.Helper()
	inv, client, _ := serveInventory(t, labkit.Bufconn, labkit.Options{Client: []grpc.DialOption{opt}})
	var out []int
	for i := range 100 {
		if down(i) {
			inv.fail(codes.Unavailable)
		} else {
			inv.heal()
		}
		before := inv.reserves.Load()
		reserve(t.Context(), client)
		out = append(out, int(inv.reserves.Load()-before))
	}
	return out
}

// TestDarkBackend: step 7, the text's flow as one scenario. A backend goes
// dark; the retry budget limits the retry storm; the breaker opens and
// calls fail at once without touching the network; trials while it is
// still dark re-open it; when it is back, trials close it.
func TestDarkBackend(t *testing.T, l Lab) {
	probeChain(t, l)
	labkit.Bubble(t, func(t *testing.T) {
		var mu sync.Mutex
		var states []string
		bs, _ := l.NewBreakers(policy.InterceptorConfig{Breaker: policy.BreakerConfig{OnStateChange: func(_ string, from, to policy.State) {
			mu.Lock()
			defer mu.Unlock()
			states = append(states, to.String())
		}}})
		budget, _ := l.NewRetryBudget(10, 0.1)
		retry := l.Retry(policy.RetryPolicy{MaxAttempts: 3, InitialBackoff: 50 * time.Millisecond, MaxBackoff: time.Second, Multiplier: 2}, budget)
		inv, client, s := serveInventory(t, labkit.Bufconn, labkit.Options{Client: l.ClientChain(bs, retry)})
		name := policy.BreakerName(s.Conn.Target(), reserveMethod)

		for i := range 20 {
			if err := reserve(t.Context(), client); err != nil {
				t.Fatalf("healthy call %d = %v", i+1, err)
			}
		}
		inv.fail(codes.Unavailable) // the backend goes dark
		var failed []int32
		for range 5 {
			before := inv.reserves.Load()
			if err := reserve(t.Context(), client); status.Code(err) != codes.Unavailable {
				t.Fatalf("a call to the dark backend = %v, want Unavailable", err)
			}
			failed = append(failed, inv.reserves.Load()-before)
		}
		if want := []int32{3, 2, 1, 1, 1}; !slices.Equal(failed, want) {
			t.Errorf("the 5 calls that failed cost the backend %v attempts, want %v: the retry budget (10 tokens, retry while more than 5) runs dry after 5 failed attempts", failed, want)
		}
		// The window now holds 5 successes and 5 failures: open.
		before, start := inv.reserves.Load(), time.Now()
		for range 50 {
			wantFastFail(t, reserve(t.Context(), client), name)
		}
		if n := inv.reserves.Load() - before; n != 0 {
			t.Errorf("50 calls while open sent %d attempts to the backend; the breaker is outside the retry, so an open breaker stops the whole call", n)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("50 calls while open took %v; failing fast means no backoff either (a retry outside the breaker would wait and retry the breaker's own Unavailable)", d)
		}

		time.Sleep(time.Second) // half-open; the backend is still dark
		before = inv.reserves.Load()
		if err := reserve(t.Context(), client); status.Code(err) != codes.Unavailable {
			t.Fatalf("the trial call = %v, want the backend's Unavailable", err)
		}
		if n := inv.reserves.Load() - before; n != 1 {
			t.Errorf("the trial call cost %d attempts; the spent budget allows no retry", n)
		}
		wantFastFail(t, reserve(t.Context(), client), name)

		inv.heal() // the backend is back
		time.Sleep(time.Second)
		for i := range 13 {
			if err := reserve(t.Context(), client); err != nil {
				t.Fatalf("call %d after the backend came back = %v; 3 good trials close the breaker", i+1, err)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if got, want := strings.Join(states, " "), "open half-open open half-open closed"; got != want {
			t.Errorf("the breaker went through %q, want %q", got, want)
		}
	})
}
