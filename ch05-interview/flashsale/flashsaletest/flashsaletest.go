// Package flashsaletest is the flashsale drill's suite. The exercise and
// the solution both run it through their one-screen *_test.go files.
//
// Every approach sells 100 items to 300 buyers (150 for SQLite, whose
// transactions cost over a millisecond under -race) who all call Buy over
// gRPC (bufconn) at the same instant: they wait on one channel, then go.
// With -race, a missing lock is usually a reported race; without it, the
// counts still catch an oversell (more than 100 sold), a lost sale (fewer
// than 100 sold, or stock left over) and a double sale (two buyers with
// one order id). Whether buyers collide at the wrong moment is luck, so
// the in-memory stocks are also run on a lock or counter of the suite's,
// which replays every interleaving of a few buyers' steps (interleave.go).
// Time-driven parts (the token bucket, buyers who retry later) run in a
// testing/synctest bubble over bufconn.
package flashsaletest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch05-interview/flashsale/sale"
	flashsalev1 "github.com/grpclabs/labs/ch05-interview/gen/flashsale/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch05-interview/flashsale"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "Server.Buy and MutexStock"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "CASStock.Take"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "SQLStock.Take"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "TokenBucket"}
	step5 = labkit.Step{Lab: lab, N: 5, What: "QueueStock"}
)

// Closer is a stock that holds resources.
type Closer interface {
	sale.Stock
	Close() error
}

// Lab is the drill's constructors, wrapped by the test files to return
// the shared interfaces.
type Lab struct {
	NewServer      func(stock sale.Stock, gate sale.Gate) flashsalev1.FlashSaleServiceServer
	NewMutex       func(n int64, mu sync.Locker) sale.Stock    // mu nil: a sync.Mutex
	NewCAS         func(n int64, left sale.Counter) sale.Stock // left nil: an atomic.Int64
	NewSQL         func(ctx context.Context, path string, n int64, wal bool) (Closer, error)
	NewTokenBucket func(rate float64, burst int) (sale.Gate, error)
	NewQueue       func(n int64, queue int) Closer
}

const (
	items     = 100
	buyers    = 300   // a rush: three buyers for every item
	sqlBuyers = 150   // each a transaction of about 1.5 ms under -race
	hammered  = 20000 // items the hammer sells
)

// tally is what the buyers saw.
type tally struct {
	orders    []int64
	soldOut   int
	exhausted int // turned away by the gate
	errs      []error
}

// rush has n buyers call Buy at once over conn and tallies the answers.
func rush(client flashsalev1.FlashSaleServiceClient, n int) tally {
	var (
		mu    sync.Mutex
		t     tally
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i := range n {
		wg.Go(func() {
			<-start
			resp, err := client.Buy(context.Background(), &flashsalev1.BuyRequest{Buyer: fmt.Sprintf("buyer-%d", i)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case status.Code(err) == codes.ResourceExhausted:
				t.exhausted++
			case err != nil:
				t.errs = append(t.errs, err)
			case resp.GetOutcome() == flashsalev1.Outcome_OUTCOME_SOLD:
				t.orders = append(t.orders, resp.GetOrderId())
			case resp.GetOutcome() == flashsalev1.Outcome_OUTCOME_SOLD_OUT:
				t.soldOut++
			default:
				t.errs = append(t.errs, fmt.Errorf("Buy answered outcome %v", resp.GetOutcome()))
			}
		})
	}
	close(start)
	wg.Wait()
	return t
}

// probe stops the test with step's message while Buy or the stock is a TODO.
func probe(t *testing.T, step labkit.Step, l Lab, stock sale.Stock) {
	t.Helper()
	_, _, err := stock.Take(t.Context(), "probe")
	step.Require(t, err)
	_, err = l.NewServer(stock, nil).Buy(t.Context(), &flashsalev1.BuyRequest{Buyer: "probe"})
	step1.Require(t, err)
}

// checkSale runs the rush on a fresh server over stock and checks that
// exactly items were sold, each once, with nothing left.
func checkSale(t *testing.T, tr labkit.Transport, l Lab, step labkit.Step, stock sale.Stock, wantIDs bool, buyers int) tally {
	t.Helper()
	s := labkit.Serve(t, tr, func(g *grpc.Server) { flashsalev1.RegisterFlashSaleServiceServer(g, l.NewServer(stock, nil)) }, labkit.Options{})
	client := flashsalev1.NewFlashSaleServiceClient(s.Conn)
	got := rush(client, buyers)
	for _, err := range got.errs[:min(3, len(got.errs))] {
		step.Check(t, err)
		t.Errorf("a buyer's Buy failed: %v", err)
	}
	switch n := len(got.orders); {
	case n > items:
		t.Errorf("oversold: %d buyers got one of %d items", n, items)
	case n < items:
		t.Errorf("lost sales: %d buyers asked for %d items, only %d were sold (%d were told sold out)", buyers, items, n, got.soldOut)
	}
	if got.soldOut+len(got.orders) != buyers {
		t.Errorf("%d sold + %d sold out != %d buyers", len(got.orders), got.soldOut, buyers)
	}
	ids := slices.Sorted(slices.Values(got.orders))
	if len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Errorf("two buyers were given the same order id: one item sold twice")
	}
	if wantIDs && len(ids) == items && (ids[0] != 1 || ids[len(ids)-1] != items) {
		t.Errorf("order ids run from %d to %d; number them 1 to %d in the order the items sold", ids[0], ids[len(ids)-1], items)
	}
	resp, err := client.Stock(t.Context(), &flashsalev1.StockRequest{})
	step.Require(t, err)
	if resp.GetLeft() != 0 {
		t.Errorf("Stock says %d left after the sale; %d buyers wanted the %d items", resp.GetLeft(), buyers, items)
	}
	// More buyers than stock is only half the story: with fewer, everyone buys.
	return got
}

// hammer sells stock's items from 8 goroutines in tight loops, in process:
// without gRPC in between, two goroutines hit the check and the decrement
// at the same moment thousands of times. Under -race that makes an
// unguarded count a reported race; without it, a check-then-act bug
// sometimes sells more than there is (the interleavings test is the one
// that always catches it). The goroutines stop once more than n sold: a
// count driven below zero never says sold out.
func hammer(t *testing.T, step labkit.Step, stock sale.Stock, n int64) {
	t.Helper()
	var (
		wg   sync.WaitGroup
		sold atomic.Int64
		mu   sync.Mutex
		ids  []int64
		errs []error
	)
	for range 8 {
		wg.Go(func() {
			var mine []int64
			defer func() {
				mu.Lock()
				ids = append(ids, mine...)
				mu.Unlock()
			}()
			for sold.Load() <= n {
				id, ok, err := stock.Take(context.Background(), "hammer")
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				if !ok {
					return
				}
				sold.Add(1)
				mine = append(mine, id)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		step.Require(t, err)
	}
	if int64(len(ids)) != n {
		t.Errorf("8 goroutines taking in a loop sold %d of %d items: check and decrement must be one atomic step", len(ids), n)
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != len(ids) {
		t.Errorf("the same order id was handed out twice")
	}
}

// checkFewBuyers sells to fewer buyers than there are items.
func checkFewBuyers(t *testing.T, l Lab, step labkit.Step, stock sale.Stock) {
	t.Helper()
	s := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) { flashsalev1.RegisterFlashSaleServiceServer(g, l.NewServer(stock, nil)) }, labkit.Options{})
	client := flashsalev1.NewFlashSaleServiceClient(s.Conn)
	got := rush(client, 40)
	if len(got.orders) != 40 || got.soldOut != 0 {
		t.Errorf("40 buyers for %d items: %d sold, %d told sold out; every one of them should have bought", items, len(got.orders), got.soldOut)
	}
	left, err := stock.Left(t.Context())
	step.Require(t, err)
	if left != items-40 {
		t.Errorf("Left() = %d after 40 of %d items sold, want %d", left, items, items-40)
	}
}

// TestMutex: step 1, the handler and a mutex-guarded counter.
func TestMutex(t *testing.T, l Lab) {
	t.Parallel()
	probe(t, step1, l, l.NewMutex(1, nil))
	t.Run("bad_request", func(t *testing.T) {
		_, err := l.NewServer(l.NewMutex(1, nil), nil).Buy(t.Context(), &flashsalev1.BuyRequest{})
		if status.Code(err) != codes.InvalidArgument {
			t.Errorf("Buy with no buyer: %v, want InvalidArgument", err)
		}
	})
	// The exact check first: a Take it breaks could hang the rush.
	if !t.Run("interleavings", func(t *testing.T) {
		checkInterleavings(t, step1, "Take never locked s.mu: check and decrement under the lock", func(n int64, s *sched) sale.Stock { return l.NewMutex(n, s) })
	}) {
		return
	}
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		checkSale(t, tr, l, step1, l.NewMutex(items, nil), true, buyers)
	})
	t.Run("few_buyers", func(t *testing.T) { checkFewBuyers(t, l, step1, l.NewMutex(items, nil)) })
	t.Run("hammer", func(t *testing.T) { hammer(t, step1, l.NewMutex(hammered, nil), hammered) })
}

// TestCAS: step 2, compare-and-swap.
func TestCAS(t *testing.T, l Lab) {
	t.Parallel()
	probe(t, step2, l, l.NewCAS(1, nil))
	if !t.Run("interleavings", func(t *testing.T) {
		checkInterleavings(t, step2, "Take never called s.left: keep the count in the counter NewCASStock was given", func(n int64, s *sched) sale.Stock { return l.NewCAS(n, s) })
	}) {
		return
	}
	t.Run("rush", func(t *testing.T) { checkSale(t, labkit.Bufconn, l, step2, l.NewCAS(items, nil), true, buyers) })
	t.Run("few_buyers", func(t *testing.T) { checkFewBuyers(t, l, step2, l.NewCAS(items, nil)) })
	t.Run("hammer", func(t *testing.T) { hammer(t, step2, l.NewCAS(hammered, nil), hammered) })
}
