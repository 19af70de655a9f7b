package exercise

import (
	"context"
	"time"

	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/richerr"
	"github.com/grpclabs/labs/scripts/labkit"
)

// RetryInterceptor retries failed unary calls.
//
// Step 6: exponential backoff with jitter (see richerr.RetryPolicy for the
// formula and the defaults of its zero fields), only for retryable codes,
// at most MaxAttempts attempts in all. The error returned is the last
// attempt's, unchanged, or Canceled if the caller gave up during a wait.
//
// Step 7: the server's pushback decides the wait: the
// richerr.PushbackTrailer trailer (read it with grpc.Trailer; a value that
// is not one non-negative integer means "stop"), else a RetryInfo detail.
// A pushback also makes ResourceExhausted retryable and restarts the
// backoff exponent. Never start a wait that would end past the deadline:
// return the last error at once instead.
func RetryInterceptor(p richerr.RetryPolicy) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return labkit.TODO("RetryInterceptor")
	}
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
