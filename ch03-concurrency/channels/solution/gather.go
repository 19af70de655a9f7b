package solution

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pricev1 "github.com/grpclabs/labs/ch03-concurrency/gen/price/v1"
)

// Gather asks every backend for sku at once and waits at most timeout in
// total (less if ctx ends sooner). Result i belongs to backends[i]: either
// quotes[i] or errs[i] is set, never both, never neither. A backend that
// failed keeps its own error; one that had not answered in time gets a
// DeadlineExceeded error. Gather returns as soon as every backend has
// answered, and no goroutine it started outlives it.
func Gather(ctx context.Context, backends []pricev1.PriceServiceClient, sku string, timeout time.Duration) (quotes []*pricev1.QuoteResponse, errs []error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	type answer struct {
		i    int
		resp *pricev1.QuoteResponse
		err  error
	}
	// Buffered for every backend: a late answer never blocks its goroutine,
	// whether or not we are still listening.
	answers := make(chan answer, len(backends))
	var wg sync.WaitGroup
	for i, b := range backends {
		wg.Go(func() {
			resp, err := b.Quote(ctx, &pricev1.QuoteRequest{Sku: sku})
			if err != nil {
				// %w keeps status.Code(err) working through the wrapper.
				err = fmt.Errorf("backend %d: %w", i, err)
			}
			answers <- answer{i, resp, err}
		})
	}
	// Deferred calls run last-in-first-out: this wait runs before the
	// cancel above. It is short all the same: we return only once every
	// backend has answered or ctx is done, and gRPC ends a call whose
	// context is done. Nothing we started outlives us.
	defer wg.Wait()

	quotes = make([]*pricev1.QuoteResponse, len(backends))
	errs = make([]error, len(backends))
	done := make([]bool, len(backends))
	for pending := len(backends); pending > 0; {
		select {
		case a := <-answers:
			quotes[a.i], errs[a.i], done[a.i] = a.resp, a.err, true
			pending--
		case <-ctx.Done():
			// The overall deadline (or the caller) ended the wait. Whatever
			// has not arrived is reported missing, never as a zero price.
			for i := range backends {
				if !done[i] {
					errs[i] = status.Errorf(codes.DeadlineExceeded,
						"backend %d: no answer before the overall deadline (%v)", i, ctx.Err())
				}
			}
			return quotes, errs
		}
	}
	return quotes, errs
}

// FailFast asks every backend at once and needs all of them: the first
// failure cancels the calls still running and is returned, naming the
// backend, with its gRPC status intact. On success the quotes come back in
// the order of backends.
func FailFast(ctx context.Context, backends []pricev1.PriceServiceClient, sku string) ([]*pricev1.QuoteResponse, error) {
	// errgroup.WithContext cancels ctx as soon as one function returns an
	// error, and Wait returns that first error after every function ended.
	g, ctx := errgroup.WithContext(ctx)
	out := make([]*pricev1.QuoteResponse, len(backends))
	for i, b := range backends {
		g.Go(func() error {
			resp, err := b.Quote(ctx, &pricev1.QuoteRequest{Sku: sku})
			if err != nil {
				return fmt.Errorf("backend %d: %w", i, err)
			}
			out[i] = resp // each goroutine writes only its own slot
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// Hedged sends the request to primary and, if no answer came within delay,
// a second copy to secondary. The first success wins and the other call is
// cancelled before Hedged returns. If the first call fails before delay,
// the second starts at once. If both fail, the last error is returned; if
// ctx ends first, its status (Canceled or DeadlineExceeded).
func Hedged(ctx context.Context, primary, secondary pricev1.PriceServiceClient, sku string, delay time.Duration) (*pricev1.QuoteResponse, error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// Last-in-first-out again: cancel the loser, then wait until its
	// goroutine is gone, so the loser's server has been told and nothing
	// outlives the call.
	defer wg.Wait()
	defer cancel()

	type answer struct {
		resp *pricev1.QuoteResponse
		err  error
	}
	answers := make(chan answer, 2) // room for both: senders never block
	send := func(name string, b pricev1.PriceServiceClient) {
		wg.Go(func() {
			resp, err := b.Quote(ctx, &pricev1.QuoteRequest{Sku: sku})
			if err != nil {
				err = fmt.Errorf("%s: %w", name, err)
			}
			answers <- answer{resp, err}
		})
	}

	send("primary", primary)
	sent, received := 1, 0
	hedge := time.NewTimer(delay)
	defer hedge.Stop()
	for {
		select {
		case <-hedge.C:
			if sent == 1 {
				send("secondary", secondary)
				sent++
			}
		case a := <-answers:
			received++
			switch {
			case a.err == nil:
				return a.resp, nil
			case sent == 1: // the primary failed early: don't wait for the timer
				send("secondary", secondary)
				sent++
			case received == sent:
				return nil, a.err
			}
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
}
