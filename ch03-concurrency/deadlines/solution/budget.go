package solution

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrReserve is the cause of a next-hop context that ended because this
// hop's reserve was reached: the caller's deadline is near, and the time
// left belongs to this hop's own work (reporting an error, cleaning up).
var ErrReserve = errors.New("hop reserve reached")

// Budget derives the context for calling the next hop. Its deadline is
// ctx's deadline minus reserve, the time this hop keeps for itself after
// the next hop answered; when that deadline passes, context.Cause on the
// returned context wraps ErrReserve and names the hop.
//
// If what is left is not more than reserve, calling on is pointless: the
// next hop would have no time at all. Budget then fails fast with a
// DeadlineExceeded status naming the hop, the budget and the reserve.
// DeadlineExceeded and not FailedPrecondition: the caller's deadline is
// what cannot be met, and retry policies and dashboards already treat that
// code as "too slow", while FailedPrecondition would claim that the system
// is in the wrong state.
//
// A ctx without a deadline has no budget to divide: it is returned as is.
func Budget(ctx context.Context, hop string, reserve time.Duration) (context.Context, context.CancelFunc, error) {
	dl, ok := ctx.Deadline()
	if !ok {
		return ctx, func() {}, nil
	}
	left := time.Until(dl)
	if left <= reserve {
		return nil, nil, status.Errorf(codes.DeadlineExceeded,
			"hop %s: budget %v is not more than its reserve %v; not calling on", hop, left.Round(time.Millisecond), reserve)
	}
	next, cancel := context.WithDeadlineCause(ctx, dl.Add(-reserve),
		fmt.Errorf("%w: hop %s keeps the last %v for itself", ErrReserve, hop, reserve))
	return next, cancel, nil
}
