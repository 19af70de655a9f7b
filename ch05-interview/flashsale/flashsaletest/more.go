package flashsaletest

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/time/rate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch05-interview/flashsale/sale"
	flashsalev1 "github.com/grpclabs/labs/ch05-interview/gen/flashsale/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// TestSQL: step 3, the conditional UPDATE in SQLite. Its three parts
// have a database file each and run in parallel.
func TestSQL(t *testing.T, l Lab) {
	t.Parallel()
	st, err := l.NewSQL(t.Context(), filepath.Join(t.TempDir(), "probe.db"), 1, true)
	step3.Require(t, err)
	t.Cleanup(func() { st.Close() }) // also when the probe stops the test
	probe(t, step3, l, st)

	t.Run("rush", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		path := filepath.Join(t.TempDir(), "sale.db")
		st, err := l.NewSQL(ctx, path, items, true)
		step3.Require(t, err)
		t.Cleanup(func() { st.Close() })
		got := checkSale(t, labkit.Bufconn, l, step3, st, false, sqlBuyers)

		// The database agrees with what the buyers were told.
		db, err := sql.Open("sqlite", sale.DSN(path, true))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var orders, distinct, remaining int64
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT buyer) FROM orders`).Scan(&orders, &distinct); err != nil {
			t.Fatalf("reading the orders table: %v", err)
		}
		if err := db.QueryRowContext(ctx, `SELECT remaining FROM stock WHERE item = 1`).Scan(&remaining); err != nil {
			t.Fatalf("reading the stock table: %v", err)
		}
		if orders != int64(len(got.orders)) || distinct != orders || remaining != 0 {
			t.Errorf("the database holds %d orders from %d buyers and %d items left; the buyers were told of %d sales. Each sale is one transaction: decrement and order row together", orders, distinct, remaining, len(got.orders))
		}
		var ids []int64
		rows, err := db.QueryContext(ctx, `SELECT id FROM orders ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		if !slices.Equal(ids, slices.Sorted(slices.Values(got.orders))) {
			t.Errorf("the order ids the buyers got are not the orders table's ids")
		}

		// Closed and opened again, the file still holds the sale.
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		again, err := l.NewSQL(ctx, path, items, true)
		step3.Require(t, err)
		t.Cleanup(func() { again.Close() })
		if left, err := again.Left(ctx); err != nil || left != 0 {
			t.Errorf("after reopening the database Left() = %d, %v; the sale must survive (and a reopen must not restock)", left, err)
		}
		if _, ok, err := again.Take(ctx, "late"); ok || err != nil {
			t.Errorf("Take after a sold-out sale, reopened: %v, %v; want false, nil", ok, err)
		}
	})

	t.Run("few_buyers", func(t *testing.T) {
		t.Parallel()
		st, err := l.NewSQL(t.Context(), filepath.Join(t.TempDir(), "few.db"), items, true)
		step3.Require(t, err)
		defer st.Close()
		checkFewBuyers(t, l, step3, st)
	})
	t.Run("default_journal", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		st, err := l.NewSQL(ctx, filepath.Join(t.TempDir(), "journal.db"), 10, false)
		step3.Require(t, err)
		defer st.Close()
		sold := 0
		for range 12 {
			_, ok, err := st.Take(ctx, "b")
			step3.Require(t, err)
			if ok {
				sold++
			}
		}
		if sold != 10 {
			t.Errorf("with the default rollback journal 12 Takes of 10 items sold %d", sold)
		}
	})
}

// TestTokenBucket: step 4, the bucket decides as x/time/rate does.
func TestTokenBucket(t *testing.T, l Lab) {
	_, err := l.NewTokenBucket(100, 50)
	step4.Require(t, err) // before the bubble: a skip inside one counts as a pass
	for _, bad := range [][2]float64{{0, 10}, {-1, 10}, {10, 0}} {
		if _, err := l.NewTokenBucket(bad[0], int(bad[1])); err == nil {
			t.Errorf("NewTokenBucket(%v, %v) succeeded; want an error", bad[0], bad[1])
		}
	}
	labkit.Bubble(t, func(t *testing.T) {
		gate, err := l.NewTokenBucket(100, 50)
		step4.Require(t, err)
		ref := rate.NewLimiter(100, 50) // both read the bubble's fake clock
		// Rounds of requests: after a pause of wait, try n times.
		for i, round := range []struct {
			wait time.Duration
			n    int
		}{
			{0, 60}, {10 * time.Millisecond, 5}, {100 * time.Millisecond, 20},
			{5 * time.Millisecond, 3}, {5 * time.Millisecond, 3}, {15 * time.Millisecond, 3}, // half a token is none
			{2 * time.Second, 80}, {250 * time.Millisecond, 30},
		} {
			time.Sleep(round.wait)
			got, want := 0, 0
			for range round.n {
				if gate.Allow() {
					got++
				}
				if ref.Allow() {
					want++
				}
			}
			if got != want {
				t.Errorf("round %d (after %v, %d requests): the bucket admitted %d, x/time/rate's limiter (100/s, burst 50) %d", i, round.wait, round.n, got, want)
			}
		}
	})
	// Callers at once, in process: no gRPC locks in between to order
	// their steps, so under -race an unguarded bucket is a reported race
	// every time; the fake clock stands still, so exactly the burst passes.
	labkit.Bubble(t, func(t *testing.T) {
		gate, err := l.NewTokenBucket(100, 50)
		step4.Require(t, err)
		var admitted atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 20 {
					if gate.Allow() {
						admitted.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if n := admitted.Load(); n != 50 {
			t.Errorf("8 goroutines called Allow 20 times each at one instant: %d admitted, want the burst of 50 (check and spend under the lock)", n)
		}
	})
}

// counting wraps a stock and counts the Takes that reach it.
type counting struct {
	sale.Stock
	takes atomic.Int64
}

func (c *counting) Take(ctx context.Context, buyer string) (int64, bool, error) {
	c.takes.Add(1)
	return c.Stock.Take(ctx, buyer)
}

// TestGate: step 4, the bucket in front of the stock.
func TestGate(t *testing.T, l Lab) {
	t.Parallel()
	_, err := l.NewTokenBucket(100, 50)
	step4.Require(t, err)
	labkit.Bubble(t, func(t *testing.T) {
		gate, err := l.NewTokenBucket(100, 50)
		step4.Require(t, err)
		stock := &counting{Stock: l.NewMutex(items, nil)}
		s := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) {
			flashsalev1.RegisterFlashSaleServiceServer(g, l.NewServer(stock, gate))
		}, labkit.Options{})
		client := flashsalev1.NewFlashSaleServiceClient(s.Conn)

		const crowd = 150
		first := rush(client, crowd)
		if len(first.orders) != 50 || first.exhausted != crowd-50 || len(first.errs) > 0 {
			t.Fatalf("%d buyers at the same instant through a bucket of 50: %d sold, %d turned away (RESOURCE_EXHAUSTED), %d errors (%v); want 50 and %d", crowd, len(first.orders), first.exhausted, len(first.errs), first.errs[:min(1, len(first.errs))], crowd-50)
		}
		if n := stock.takes.Load(); n != 50 {
			t.Errorf("the stock saw %d Takes; the gate must turn buyers away before they reach it (it saw 50 admitted ones)", n)
		}

		// The rest come back every 100ms until they buy or the sale is over.
		start := time.Now()
		var wg sync.WaitGroup
		var sold atomic.Int64
		var lastSale atomic.Int64
		for range first.exhausted {
			wg.Go(func() {
				for {
					time.Sleep(100 * time.Millisecond)
					resp, err := client.Buy(context.Background(), &flashsalev1.BuyRequest{Buyer: "retry"})
					if status.Code(err) == codes.ResourceExhausted {
						continue
					}
					if err == nil && resp.GetOutcome() == flashsalev1.Outcome_OUTCOME_SOLD {
						sold.Add(1)
						lastSale.Store(int64(time.Since(start)))
					}
					return
				}
			})
		}
		wg.Wait()
		if n := sold.Load(); n != items-50 {
			t.Errorf("the retrying buyers bought %d items; %d were left", n, items-50)
		}
		if d := time.Duration(lastSale.Load()); d != 500*time.Millisecond {
			t.Errorf("the last item sold %v after the rush; at 100 admissions a second, with buyers back every 100ms, the 50 left sell at 100, 200, ... 500ms", d)
		}
	})
}

// TestQueue: step 5, one writer goroutine. Not in parallel with the
// others: its close test checks that no goroutine is left behind.
func TestQueue(t *testing.T, l Lab) {
	{
		q := l.NewQueue(1, 10)
		_, _, err := q.Take(t.Context(), "probe")
		q.Close()
		step5.Require(t, err)
	}
	q := l.NewQueue(items, 64)
	t.Cleanup(func() { q.Close() })
	checkSale(t, labkit.Bufconn, l, step5, q, true, buyers)
	must(t, q.Close())

	t.Run("few_buyers", func(t *testing.T) {
		q := l.NewQueue(items, 64)
		defer q.Close()
		checkFewBuyers(t, l, step5, q)
	})

	t.Run("buyer_gone", func(t *testing.T) {
		q := l.NewQueue(10, 64)
		defer q.Close()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		for range 100 {
			if _, ok, err := q.Take(ctx, "gone"); ok || err == nil {
				t.Fatalf("Take with a cancelled context = %v, %v; want false and the context's error (an item sold to nobody is a lost sale)", ok, err)
			}
		}
		if left, err := q.Left(t.Context()); err != nil || left != 10 {
			t.Errorf("Left() = %d, %v after 100 cancelled Takes of 10 items; nothing should have sold", left, err)
		}
	})

	t.Run("close", func(t *testing.T) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		q := l.NewQueue(1000, 8)
		var wg sync.WaitGroup
		var sold atomic.Int64
		for range 200 {
			wg.Go(func() {
				if _, ok, _ := q.Take(context.Background(), "b"); ok {
					sold.Add(1)
				}
			})
		}
		must(t, q.Close()) // while buyers are queued: none may hang
		wg.Wait()
		must(t, q.Close()) // twice is fine
		if _, ok, err := q.Take(t.Context(), "late"); ok || err == nil {
			t.Errorf("Take after Close = %v, %v; want an error", ok, err)
		}
		if n := sold.Load(); n > 200 {
			t.Errorf("%d sold to 200 buyers", n)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}
