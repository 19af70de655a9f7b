package flashsaletest

import (
	"context"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch05-interview/flashsale/sale"
	flashsalev1 "github.com/grpclabs/labs/ch05-interview/gen/flashsale/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// BenchmarkBuy measures sales per second for each approach, with a stock
// of exactly b.N items so that every operation sells one: in process
// (Take from GOMAXPROCS goroutines) and over gRPC (Buy on bufconn from 8
// goroutines per CPU). "gate-cas" is a token bucket so generous it admits
// everything, in front of the CAS stock: what the check itself costs.
// The SQLite stocks run with the write-ahead log ("sql-wal") and with the
// default rollback journal ("sql-journal"), which fsyncs every commit.
func BenchmarkBuy(b *testing.B, l Lab) {
	type approach struct {
		name  string
		stock func(b *testing.B, n int64) (sale.Stock, func())
		gate  func(b *testing.B) sale.Gate
	}
	noop := func() {}
	sqlStock := func(wal bool) func(b *testing.B, n int64) (sale.Stock, func()) {
		return func(b *testing.B, n int64) (sale.Stock, func()) {
			st, err := l.NewSQL(context.Background(), filepath.Join(b.TempDir(), "bench.db"), n, wal)
			if err != nil {
				b.Fatal(err)
			}
			return st, func() { st.Close() }
		}
	}
	approaches := []approach{
		{name: "mutex", stock: func(_ *testing.B, n int64) (sale.Stock, func()) { return l.NewMutex(n, nil), noop }},
		{name: "cas", stock: func(_ *testing.B, n int64) (sale.Stock, func()) { return l.NewCAS(n, nil), noop }},
		{name: "gate-cas", stock: func(_ *testing.B, n int64) (sale.Stock, func()) { return l.NewCAS(n, nil), noop },
			gate: func(b *testing.B) sale.Gate {
				g, err := l.NewTokenBucket(1e12, 1e9)
				if err != nil {
					b.Fatal(err)
				}
				return g
			}},
		{name: "queue", stock: func(_ *testing.B, n int64) (sale.Stock, func()) {
			q := l.NewQueue(n, 1024)
			return q, func() { q.Close() }
		}},
		{name: "sql-wal", stock: sqlStock(true)},
		{name: "sql-journal", stock: sqlStock(false)},
	}
	// setup makes a's stock of b.N items (closed when b ends) and its gate.
	setup := func(b *testing.B, a approach) (sale.Stock, sale.Gate) {
		stock, done := a.stock(b, int64(b.N))
		b.Cleanup(done)
		var gate sale.Gate
		if a.gate != nil {
			gate = a.gate(b)
		}
		return stock, gate
	}
	for _, a := range approaches {
		b.Run("via=inproc/stock="+a.name, func(b *testing.B) {
			stock, gate := setup(b, a)
			b.ResetTimer()
			var sold atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if gate != nil && !gate.Allow() {
						continue
					}
					if _, ok, err := stock.Take(context.Background(), "b"); err == nil && ok {
						sold.Add(1)
					}
				}
			})
			if sold.Load() != int64(b.N) {
				b.Fatalf("sold %d of %d", sold.Load(), b.N)
			}
		})
		b.Run("via=grpc/stock="+a.name, func(b *testing.B) {
			stock, gate := setup(b, a)
			s := labkit.Serve(b, labkit.Bufconn, func(g *grpc.Server) {
				flashsalev1.RegisterFlashSaleServiceServer(g, l.NewServer(stock, gate))
			}, labkit.Options{})
			client := flashsalev1.NewFlashSaleServiceClient(s.Conn)
			var buyer atomic.Int64
			b.ResetTimer()
			b.SetParallelism(8)
			var sold atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				name := "buyer-" + strconv.FormatInt(buyer.Add(1), 10)
				for pb.Next() {
					resp, err := client.Buy(context.Background(), &flashsalev1.BuyRequest{Buyer: name})
					if err == nil && resp.GetOutcome() == flashsalev1.Outcome_OUTCOME_SOLD {
						sold.Add(1)
					}
				}
			})
			b.StopTimer()
			if sold.Load() != int64(b.N) {
				b.Fatalf("sold %d of %d", sold.Load(), b.N)
			}
		})
	}
}
