package exercise

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/richerr"
	"github.com/grpclabs/labs/scripts/labkit"
)

// RetryInterceptor retries failed unary calls.
//
// Step 6: exponential backoff with jitter (see richerr.RetryPolicy for the
// formula and the defaults of its zero fields), only for retryable codes,
// at most MaxAttempts attempts in all. The error returned is the last
// attempt's, unchanged, or Canceled if the caller gave up during a wait.
// Each failed attempt also asks serverPushback (step 7) how long the server
// wants you to wait: a non-nil stop is returned at once; a pushback (ok)
// replaces the backoff, restarts its exponent and makes ResourceExhausted
// retryable too. Before each wait, pastDeadline (step 7) may say to give
// up: return what it returns.
func RetryInterceptor(p richerr.RetryPolicy) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return labkit.TODO("RetryInterceptor")
	}
}

// serverPushback reads the server's wish from the attempt's trailer and
// error: wait and ok for a pushback, or stop (err itself) when the server
// says not to retry.
//
// Step 7: the richerr.PushbackTrailer trailer (read it with grpc.Trailer
// in RetryInterceptor) wins: one non-negative integer of milliseconds is a
// pushback, anything else means stop. Without it, a RetryInfo detail (see
// Parse) is a pushback. The stand-in below is right only when there is
// neither.
func serverPushback(trailer metadata.MD, err error) (wait time.Duration, ok bool, stop error) {
	if len(trailer.Get(richerr.PushbackTrailer)) == 0 && Parse(err).RetryDelay == 0 {
		return 0, false, nil
	}
	return 0, false, labkit.TODO("serverPushback")
}

// pastDeadline returns err when waiting wait would end past ctx's
// deadline, and nil when the wait fits.
//
// Step 7: never start a wait that would end past the deadline. The
// stand-in below is right only for a context without one.
func pastDeadline(ctx context.Context, wait time.Duration, err error) error {
	if _, ok := ctx.Deadline(); !ok {
		return nil
	}
	return labkit.TODO("pastDeadline")
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
