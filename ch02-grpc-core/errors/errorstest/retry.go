package errorstest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/richerr"
	errlabv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/errlab/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// RetryFunc builds the lab's retry interceptor from a policy.
type RetryFunc func(richerr.RetryPolicy) grpc.UnaryClientInterceptor

// failure is one scripted failed attempt.
type failure struct {
	code     codes.Code
	pushback string        // grpc-retry-pushback-ms trailer; "" sends none
	delay    time.Duration // RetryInfo; 0 sends none
}

// script is a server that fails the first len(fails) attempts as listed
// (or every attempt with always), then succeeds, and records when each
// attempt arrived.
type script struct {
	errlabv1.UnimplementedUserServiceServer
	fails  []failure
	always *failure

	mu    sync.Mutex
	times []time.Time
}

func (s *script) GetUser(ctx context.Context, _ *errlabv1.GetUserRequest) (*errlabv1.GetUserResponse, error) {
	s.mu.Lock()
	n := len(s.times)
	s.times = append(s.times, time.Now())
	s.mu.Unlock()
	var f *failure
	switch {
	case s.always != nil:
		f = s.always
	case n < len(s.fails):
		f = &s.fails[n]
	default:
		return &errlabv1.GetUserResponse{User: &errlabv1.User{UserId: "ok"}}, nil
	}
	if f.pushback != "" {
		_ = grpc.SetTrailer(ctx, metadata.Pairs(richerr.PushbackTrailer, f.pushback))
	}
	st := status.New(f.code, fmt.Sprintf("scripted %v, attempt %d", f.code, n+1))
	if f.delay > 0 {
		st, _ = st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(f.delay)})
	}
	return nil, st.Err()
}

// gaps are the times between attempts.
func (s *script) gaps() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var g []time.Duration
	for i := 1; i < len(s.times); i++ {
		g = append(g, s.times[i].Sub(s.times[i-1]))
	}
	return g
}

func (s *script) attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.times)
}

// result is what one run of a script gave.
type result struct {
	err      error
	attempts int
	gaps     []time.Duration
	elapsed  time.Duration
}

// runOurs calls a fresh script server through the learner's interceptor.
// It must run inside a synctest bubble: time there is fake, so the
// backoff costs nothing and every gap is exact.
func runOurs(t *testing.T, retry RetryFunc, p richerr.RetryPolicy, s *script, ctx context.Context, opts ...grpc.CallOption) result {
	srv := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) { errlabv1.RegisterUserServiceServer(g, s) },
		labkit.Options{Client: []grpc.DialOption{grpc.WithUnaryInterceptor(retry(p))}})
	return call(ctx, srv.Conn, s, opts...)
}

// runGRPC runs the same script against grpc-go's own retry, configured
// with the same policy through the service config.
func runGRPC(t *testing.T, p richerr.RetryPolicy, s *script, ctx context.Context) result {
	var names []string
	for _, c := range p.RetryableCodes {
		names = append(names, fmt.Sprintf("%q", rpcCodeName[c]))
	}
	cfg := fmt.Sprintf(`{"methodConfig":[{"name":[{"service":"errlab.v1.UserService"}],"retryPolicy":{
		"maxAttempts":%d,"initialBackoff":"%gs","maxBackoff":"%gs","backoffMultiplier":%g,"retryableStatusCodes":[%s]}}]}`,
		p.MaxAttempts, p.InitialBackoff.Seconds(), p.MaxBackoff.Seconds(), p.Multiplier, strings.Join(names, ","))
	srv := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) { errlabv1.RegisterUserServiceServer(g, s) },
		labkit.Options{Client: []grpc.DialOption{grpc.WithDefaultServiceConfig(cfg)}})
	return call(ctx, srv.Conn, s)
}

func call(ctx context.Context, conn *grpc.ClientConn, s *script, opts ...grpc.CallOption) result {
	start := time.Now()
	_, err := errlabv1.NewUserServiceClient(conn).GetUser(ctx, &errlabv1.GetUserRequest{UserId: "x"}, opts...)
	return result{err: err, attempts: s.attempts(), gaps: s.gaps(), elapsed: time.Since(start)}
}

// policy is the suite's base policy: 100 ms, doubling, at most 4 attempts,
// and a jitter source pinned to the middle (factor exactly 1.0).
func policy() richerr.RetryPolicy {
	p := richerr.DefaultRetryPolicy()
	p.Rand = func() float64 { return 0.5 }
	return p
}

func fails(n int, c codes.Code) []failure {
	f := make([]failure, n)
	for i := range f {
		f[i] = failure{code: c}
	}
	return f
}

func ms(n ...int) []time.Duration {
	d := make([]time.Duration, len(n))
	for i := range n {
		d[i] = time.Duration(n[i]) * time.Millisecond
	}
	return d
}

func equalGaps(a, b []time.Duration) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// inJitter reports whether every gap lies in [0.8, 1.2] of its nominal value.
func inJitter(gaps, nominal []time.Duration) bool {
	if len(gaps) != len(nominal) {
		return false
	}
	for i := range gaps {
		if gaps[i] < nominal[i]*8/10 || gaps[i] > nominal[i]*12/10 {
			return false
		}
	}
	return true
}

// TestRetry: step 6, backoff, attempt limits and retryable codes, run on
// the same scripts as grpc-go's own retryPolicy, in a synctest bubble.
func TestRetry(t *testing.T, retry RetryFunc) {
	// Each test asks for its TODO before its bubbles: a skip inside
	// synctest.Test is reported as a pass, and CI mode would count the step
	// as done. A script that needs no wait runs outside a bubble as well.
	step6.Check(t, runOurs(t, retry, policy(), &script{}, t.Context()).err)
	t.Run("same_as_grpc", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			fails    []failure
			always   *failure
			max      int
			attempts int
			code     codes.Code
			gaps     []time.Duration // nominal
		}{
			{"2x Unavailable then OK", fails(2, codes.Unavailable), nil, 4, 3, codes.OK, ms(100, 200)},
			{"InvalidArgument", fails(1, codes.InvalidArgument), nil, 4, 1, codes.InvalidArgument, nil},
			{"Internal", fails(1, codes.Internal), nil, 4, 1, codes.Internal, nil},
			{"always Unavailable, max 3", nil, &failure{code: codes.Unavailable}, 3, 3, codes.Unavailable, ms(100, 200)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					p := policy()
					p.MaxAttempts = tc.max
					ours := runOurs(t, retry, p, &script{fails: tc.fails, always: tc.always}, t.Context())
					step6.Check(t, ours.err)
					theirs := runGRPC(t, p, &script{fails: tc.fails, always: tc.always}, t.Context())

					if ours.attempts != tc.attempts || theirs.attempts != tc.attempts {
						t.Errorf("attempts: yours %d, grpc's retryPolicy %d; want %d", ours.attempts, theirs.attempts, tc.attempts)
					}
					if status.Code(ours.err) != tc.code || status.Code(theirs.err) != tc.code {
						t.Errorf("result: yours %v, grpc's %v; want code %v", ours.err, theirs.err, tc.code)
					}
					if !equalGaps(ours.gaps, tc.gaps) {
						t.Errorf("gaps between attempts: %v; want %v (initial 100ms, ×2, jitter factor 1.0 for Rand()=0.5)", ours.gaps, tc.gaps)
					}
					if !inJitter(theirs.gaps, tc.gaps) {
						t.Errorf("grpc's own gaps %v are not within ±20%% of %v: the suite's model of grpc-go's backoff is out of date", theirs.gaps, tc.gaps)
					}
				})
			})
		}
	})

	t.Run("last_error_unchanged", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := policy()
			p.MaxAttempts = 3
			r := runOurs(t, retry, p, &script{fails: fails(5, codes.Unavailable)}, t.Context())
			step6.Check(t, r.err)
			if st := status.Convert(r.err); st.Code() != codes.Unavailable || st.Message() != "scripted Unavailable, attempt 3" {
				t.Errorf("after 3 failed attempts: %v; want the third attempt's own status, unchanged", r.err)
			}
			// grpc's service config rejects maxAttempts below 2; ours reads
			// them as "no retry".
			for _, max := range []int{1, 0, -3} {
				p.MaxAttempts = max
				if r := runOurs(t, retry, p, &script{always: &failure{code: codes.Unavailable}}, t.Context()); r.attempts != 1 {
					t.Errorf("MaxAttempts %d: %d attempts, want 1", max, r.attempts)
				}
			}
		})
	})

	t.Run("only_retryable_codes", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			for c := codes.Canceled; c <= codes.Unauthenticated; c++ {
				r := runOurs(t, retry, policy(), &script{fails: fails(1, c)}, t.Context())
				step6.Check(t, r.err)
				want := 1
				if c == codes.Unavailable {
					want = 2
				}
				if r.attempts != want {
					t.Errorf("first attempt fails with %v: %d attempts, want %d (default: only Unavailable is retried)", c, r.attempts, want)
				}
			}
			p := policy()
			p.RetryableCodes = []codes.Code{codes.Aborted}
			if r := runOurs(t, retry, p, &script{fails: fails(1, codes.Aborted)}, t.Context()); r.attempts != 2 {
				t.Errorf("RetryableCodes [Aborted], Aborted once: %d attempts, want 2", r.attempts)
			}
			if r := runOurs(t, retry, p, &script{fails: fails(1, codes.Unavailable)}, t.Context()); r.attempts != 1 {
				t.Errorf("RetryableCodes [Aborted], Unavailable once: %d attempts, want 1 (the list replaces the default)", r.attempts)
			}
		})
	})

	t.Run("backoff_and_jitter", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			for _, tc := range []struct {
				name string
				rand float64
				p    func(*richerr.RetryPolicy)
				want []time.Duration
			}{
				{"low jitter", 0, nil, ms(80, 160, 320)},
				{"high jitter", 0.75, nil, ms(110, 220, 440)},
				{"capped", 0.5, func(p *richerr.RetryPolicy) {
					p.Multiplier = 10
					p.MaxBackoff = 300 * time.Millisecond
					p.MaxAttempts = 5
				}, ms(100, 300, 300, 300)},
			} {
				p := policy()
				p.Rand = func() float64 { return tc.rand }
				if tc.p != nil {
					tc.p(&p)
				}
				r := runOurs(t, retry, p, &script{always: &failure{code: codes.Unavailable}}, t.Context())
				step6.Check(t, r.err)
				if !equalGaps(r.gaps, tc.want) {
					t.Errorf("%s: gaps %v, want %v (wait = min(initial·mult^(n-1), max) · (0.8 + 0.4·Rand()))", tc.name, r.gaps, tc.want)
				}
			}
		})
	})

	t.Run("cancel_during_backoff", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			time.AfterFunc(50*time.Millisecond, cancel) // fake time: exactly 50 ms in
			r := runOurs(t, retry, policy(), &script{always: &failure{code: codes.Unavailable}}, ctx)
			step6.Check(t, r.err)
			if r.attempts != 1 || r.elapsed != 50*time.Millisecond || status.Code(r.err) != codes.Canceled {
				t.Errorf("cancelled 50ms into a 100ms backoff: %d attempts, returned after %v with %v; want 1 attempt, at 50ms, Canceled", r.attempts, r.elapsed, r.err)
			}
		})
	})
}

// TestRetryPushback: step 7, the server's pushback (trailer or RetryInfo)
// decides the wait, and no attempt starts that would end past the deadline.
func TestRetryPushback(t *testing.T, retry RetryFunc) {
	step7.Check(t, runOurs(t, retry, policy(), &script{fails: []failure{{codes.Unavailable, "0", 0}}}, t.Context()).err)
	t.Run("trailer_same_as_grpc", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			fails    []failure
			attempts int
			gaps     []time.Duration // exact for both
		}{
			{"pushback 300ms", []failure{{codes.Unavailable, "300", 0}, {codes.Unavailable, "300", 0}}, 3, ms(300, 300)},
			{"pushback 0", []failure{{codes.Unavailable, "0", 0}}, 2, ms(0)},
			{"pushback -1 stops", []failure{{codes.Unavailable, "-1", 0}}, 1, nil},
			{"garbage stops", []failure{{codes.Unavailable, "soon", 0}}, 1, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					ours := runOurs(t, retry, policy(), &script{fails: tc.fails}, t.Context())
					step7.Check(t, ours.err)
					theirs := runGRPC(t, policy(), &script{fails: tc.fails}, t.Context())
					if ours.attempts != tc.attempts || theirs.attempts != tc.attempts {
						t.Errorf("attempts: yours %d, grpc's %d; want %d", ours.attempts, theirs.attempts, tc.attempts)
					}
					if !equalGaps(ours.gaps, tc.gaps) || !equalGaps(theirs.gaps, tc.gaps) {
						t.Errorf("gaps: yours %v, grpc's %v; want exactly %v, as the server asked", ours.gaps, theirs.gaps, tc.gaps)
					}
				})
			})
		}
	})

	t.Run("pushback_resets_backoff", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f := []failure{{code: codes.Unavailable}, {codes.Unavailable, "500", 0}, {code: codes.Unavailable}}
			ours := runOurs(t, retry, policy(), &script{fails: f}, t.Context())
			step7.Check(t, ours.err)
			theirs := runGRPC(t, policy(), &script{fails: f}, t.Context())
			if !equalGaps(ours.gaps, ms(100, 500, 100)) {
				t.Errorf("backoff, pushback 500, backoff: gaps %v, want [100ms 500ms 100ms] (after a pushback the exponent starts over)", ours.gaps)
			}
			if len(theirs.gaps) != 3 || theirs.gaps[1] != 500*time.Millisecond || !inJitter([]time.Duration{theirs.gaps[0], theirs.gaps[2]}, ms(100, 100)) {
				t.Errorf("grpc's own gaps %v; the suite expected ~100ms, 500ms, ~100ms", theirs.gaps)
			}
		})
	})

	t.Run("retry_info", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f := []failure{{codes.Unavailable, "", 2 * time.Second}}
			ours := runOurs(t, retry, policy(), &script{fails: f}, t.Context())
			step7.Check(t, ours.err)
			if ours.attempts != 2 || !equalGaps(ours.gaps, ms(2000)) {
				t.Errorf("RetryInfo 2s: %d attempts, gaps %v; want 2 attempts, 2s apart", ours.attempts, ours.gaps)
			}
			// grpc-go's retry reads only the trailer: it backs off as usual.
			theirs := runGRPC(t, policy(), &script{fails: f}, t.Context())
			if !inJitter(theirs.gaps, ms(100)) {
				t.Errorf("grpc's own retry with RetryInfo 2s waited %v; the suite expected it to ignore RetryInfo", theirs.gaps)
			}

			f = []failure{{codes.Unavailable, "250", 2 * time.Second}}
			if r := runOurs(t, retry, policy(), &script{fails: f}, t.Context()); !equalGaps(r.gaps, ms(250)) {
				t.Errorf("trailer 250ms and RetryInfo 2s: gap %v, want 250ms (the trailer wins, as in grpc-go)", r.gaps)
			}
		})
	})

	t.Run("resource_exhausted", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			if r := runOurs(t, retry, policy(), &script{fails: fails(1, codes.ResourceExhausted)}, t.Context()); r.attempts != 1 {
				step7.Check(t, r.err)
				t.Errorf("ResourceExhausted without pushback: %d attempts, want 1 (a used-up quota stays used up)", r.attempts)
			}
			for _, f := range []failure{{codes.ResourceExhausted, "700", 0}, {codes.ResourceExhausted, "", 700 * time.Millisecond}} {
				r := runOurs(t, retry, policy(), &script{fails: []failure{f}}, t.Context())
				step7.Check(t, r.err)
				if r.attempts != 2 || !equalGaps(r.gaps, ms(700)) {
					t.Errorf("ResourceExhausted with pushback %+v: %d attempts, gaps %v; want a retry after exactly 700ms: the server said when", f, r.attempts, r.gaps)
				}
			}
		})
	})

	t.Run("callers_trailer", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var md metadata.MD
			f := []failure{{codes.Unavailable, "10", 0}, {codes.Unavailable, "20", 0}}
			r := runOurs(t, retry, policy(), &script{fails: f}, t.Context(), grpc.Trailer(&md))
			step7.Check(t, r.err)
			if r.err != nil || len(md.Get(richerr.PushbackTrailer)) != 0 {
				t.Errorf("the caller's grpc.Trailer after a success on attempt 3: %v (err %v); want the last attempt's trailer, without pushback", md, r.err)
			}
			md = nil
			p := policy()
			p.MaxAttempts = 2
			r = runOurs(t, retry, p, &script{fails: f}, t.Context(), grpc.Trailer(&md))
			if got := md.Get(richerr.PushbackTrailer); len(got) != 1 || got[0] != "20" {
				t.Errorf("the caller's grpc.Trailer after 2 failed attempts: %v; want the second attempt's (pushback 20)", md)
			}
		})
	})
}

// TestRetryDeadline: step 7, no wait that would end past the deadline.
func TestRetryDeadline(t *testing.T, retry RetryFunc) {
	probe, cancel := context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	step7.Check(t, runOurs(t, retry, policy(), &script{fails: []failure{{codes.Unavailable, "0", 0}}}, probe).err)
	synctest.Test(t, func(t *testing.T) {
		p := policy()
		p.MaxAttempts = 5
		ctx, cancel := context.WithTimeout(t.Context(), 250*time.Millisecond)
		defer cancel()
		ours := runOurs(t, retry, p, &script{always: &failure{code: codes.Unavailable}}, ctx)
		step7.Check(t, ours.err)
		if ours.attempts != 2 || ours.elapsed != 100*time.Millisecond || status.Code(ours.err) != codes.Unavailable {
			t.Errorf("deadline 250ms, attempts at 0 and 100ms, next wait 200ms: %d attempts, returned at %v with %v; "+
				"want 2 attempts and the Unavailable error at once, at 100ms (waiting to 300ms would only hit the deadline)", ours.attempts, ours.elapsed, ours.err)
		}

		ctx, cancel = context.WithTimeout(t.Context(), 250*time.Millisecond)
		defer cancel()
		theirs := runGRPC(t, p, &script{always: &failure{code: codes.Unavailable}}, ctx)
		if status.Code(theirs.err) != codes.DeadlineExceeded || theirs.elapsed != 250*time.Millisecond {
			t.Errorf("grpc's own retry: %v after %v; the suite expected DeadlineExceeded at 250ms (grpc-go waits out the deadline)", theirs.err, theirs.elapsed)
		}

		ctx, cancel = context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		r := runOurs(t, retry, p, &script{fails: []failure{{codes.Unavailable, "5000", 0}}}, ctx)
		if r.attempts != 1 || r.elapsed != 0 || status.Code(r.err) != codes.Unavailable {
			t.Errorf("pushback 5s with 1s left: %d attempts after %v (%v); want to give up at once with the Unavailable error", r.attempts, r.elapsed, r.err)
		}
	})
}
