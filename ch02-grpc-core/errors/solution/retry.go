package solution

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/richerr"
)

// RetryInterceptor retries failed unary calls with exponential backoff and
// jitter, only for retryable codes, never more than MaxAttempts times, never
// past the call's deadline, and waiting as long as the server asks when it
// sends a pushback (the grpc-retry-pushback-ms trailer or a RetryInfo
// detail). The error returned is the last attempt's, unchanged, or
// Canceled/DeadlineExceeded if the caller's context ended during a wait.
func RetryInterceptor(p richerr.RetryPolicy) grpc.UnaryClientInterceptor {
	if p.MaxAttempts < 1 {
		p.MaxAttempts = 1
	}
	if p.RetryableCodes == nil {
		p.RetryableCodes = []codes.Code{codes.Unavailable}
	}
	if p.Rand == nil {
		p.Rand = rand.Float64
	}
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		sinceBackoffReset := 0 // retries since the last pushback, for the exponent
		for attempt := 1; ; attempt++ {
			var trailer metadata.MD
			err := invoker(ctx, method, req, reply, cc, append(opts[:len(opts):len(opts)], grpc.Trailer(&trailer))...)
			if err == nil || attempt >= p.MaxAttempts || ctx.Err() != nil {
				return err
			}

			pushback, hasPushback, stop := serverPushback(trailer, err)
			if stop != nil {
				return stop // the server said: do not retry
			}
			code := status.Code(err)
			if !slices.Contains(p.RetryableCodes, code) &&
				!(code == codes.ResourceExhausted && hasPushback) {
				return err // a client error, or a failure that retrying cannot fix
			}

			wait := pushback
			if hasPushback {
				sinceBackoffReset = 0
			} else {
				nominal := float64(p.InitialBackoff) * math.Pow(p.Multiplier, float64(sinceBackoffReset))
				nominal = min(nominal, float64(p.MaxBackoff))
				wait = time.Duration(nominal * (0.8 + 0.4*p.Rand()))
				sinceBackoffReset++
			}

			if late := pastDeadline(ctx, wait, err); late != nil {
				return late
			}
			if !sleep(ctx, wait) {
				// The caller gave up while we waited: say so, as grpc-go does.
				return status.FromContextError(ctx.Err()).Err()
			}
		}
	}
}

// serverPushback reads the server's wish: the trailer wins over RetryInfo,
// like in grpc-go, and a malformed or negative trailer means stop. stop,
// when not nil, is what the call returns at once: err itself.
func serverPushback(trailer metadata.MD, err error) (wait time.Duration, ok bool, stop error) {
	switch v := trailer.Get(richerr.PushbackTrailer); len(v) {
	case 0:
	case 1:
		ms, convErr := strconv.Atoi(v[0])
		if convErr != nil || ms < 0 {
			return 0, false, err
		}
		return time.Duration(ms) * time.Millisecond, true, nil
	default:
		return 0, false, err // ambiguous: grpc-go does not retry either
	}
	if d := Parse(err).RetryDelay; d > 0 {
		return d, true, nil
	}
	return 0, false, nil
}

// pastDeadline returns err when waiting wait would end past ctx's
// deadline, nil when the wait fits: waiting only to fail with
// DeadlineExceeded would hide the real error and waste the caller's time.
func pastDeadline(ctx context.Context, wait time.Duration, err error) error {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= wait {
		return err
	}
	return nil
}

// sleep waits d or until ctx ends, and says whether it waited the full d.
// A timer rather than time.Sleep, so a cancelled caller is released at once
// (and testing/synctest can fake the clock).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
