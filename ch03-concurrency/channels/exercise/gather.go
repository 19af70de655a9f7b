package exercise

import (
	"context"
	"time"

	pricev1 "github.com/grpclabs/labs/ch03-concurrency/gen/price/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Gather asks every backend for sku at once and waits at most timeout in
// total (less if ctx ends sooner). Result i belongs to backends[i]: either
// quotes[i] or errs[i] is set, never both, never neither. A backend that
// failed keeps its own error; one that had not answered in time gets a
// DeadlineExceeded error. Gather returns as soon as every backend has
// answered, and no goroutine it started outlives it.
//
// Step 2: one goroutine per backend, one channel they all answer on, and a
// select that also listens to ctx.Done().
func Gather(ctx context.Context, backends []pricev1.PriceServiceClient, sku string, timeout time.Duration) (quotes []*pricev1.QuoteResponse, errs []error) {
	return nil, []error{labkit.TODO("Gather")}
}

// FailFast asks every backend at once and needs all of them: the first
// failure cancels the calls still running and is returned as
// "backend <i>: <the error>", with its gRPC status intact (wrap with %w).
// On success the quotes come back in the order of backends.
//
// Step 3: golang.org/x/sync/errgroup does most of this for you.
func FailFast(ctx context.Context, backends []pricev1.PriceServiceClient, sku string) ([]*pricev1.QuoteResponse, error) {
	return nil, labkit.TODO("FailFast")
}

// Hedged sends the request to primary and, if no answer came within delay,
// a second copy to secondary. The first success wins and the other call is
// cancelled before Hedged returns. If the first call fails before delay,
// the second starts at once. If both fail, the last error is returned; if
// ctx ends first, its status (Canceled or DeadlineExceeded).
//
// Step 4: a time.Timer and the answers channel in one select loop.
func Hedged(ctx context.Context, primary, secondary pricev1.PriceServiceClient, sku string, delay time.Duration) (*pricev1.QuoteResponse, error) {
	return nil, labkit.TODO("Hedged")
}
