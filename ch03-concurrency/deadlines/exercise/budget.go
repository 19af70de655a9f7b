package exercise

import (
	"context"
	"errors"
	"time"

	"github.com/grpclabs/labs/scripts/labkit"
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
// If what is left is not more than reserve, Budget fails fast with a
// DeadlineExceeded status naming the hop ("hop B: ..."), the budget and
// the reserve. A ctx without a deadline is returned as is.
//
// Step 2: ctx.Deadline, time.Until, context.WithDeadlineCause.
func Budget(ctx context.Context, hop string, reserve time.Duration) (context.Context, context.CancelFunc, error) {
	return nil, nil, labkit.TODO("Budget")
}
