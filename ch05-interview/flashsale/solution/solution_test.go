package solution_test

import (
	"context"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/flashsale/flashsaletest"
	"github.com/grpclabs/labs/ch05-interview/flashsale/sale"
	"github.com/grpclabs/labs/ch05-interview/flashsale/solution"
	flashsalev1 "github.com/grpclabs/labs/ch05-interview/gen/flashsale/v1"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var lab = flashsaletest.Lab{
	NewServer: func(s sale.Stock, g sale.Gate) flashsalev1.FlashSaleServiceServer { return solution.NewServer(s, g) },
	NewMutex:  func(n int64, mu sync.Locker) sale.Stock { return solution.NewMutexStock(n, mu) },
	NewCAS:    func(n int64, left sale.Counter) sale.Stock { return solution.NewCASStock(n, left) },
	NewSQL: func(ctx context.Context, path string, n int64, wal bool) (flashsaletest.Closer, error) {
		return solution.NewSQLStock(ctx, path, n, wal)
	},
	NewTokenBucket: func(r float64, b int) (sale.Gate, error) { return solution.NewTokenBucket(r, b) },
	NewQueue:       func(n int64, q int) flashsaletest.Closer { return solution.NewQueueStock(n, q) },
}

func TestMutex(t *testing.T)       { flashsaletest.TestMutex(t, lab) }
func TestCAS(t *testing.T)         { flashsaletest.TestCAS(t, lab) }
func TestSQL(t *testing.T)         { flashsaletest.TestSQL(t, lab) }
func TestTokenBucket(t *testing.T) { flashsaletest.TestTokenBucket(t, lab) }
func TestGate(t *testing.T)        { flashsaletest.TestGate(t, lab) }
func TestQueue(t *testing.T)       { flashsaletest.TestQueue(t, lab) }

func BenchmarkBuy(b *testing.B) { flashsaletest.BenchmarkBuy(b, lab) }
