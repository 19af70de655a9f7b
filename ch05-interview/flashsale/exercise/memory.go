package exercise

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/grpclabs/labs/ch05-interview/flashsale/sale"
	"github.com/grpclabs/labs/scripts/labkit"
)

// MutexStock guards a counter with a mutex.
type MutexStock struct {
	mu    sync.Locker
	total int64
	left  int64
}

// NewMutexStock returns a stock of n items guarded by mu, or by a
// sync.Mutex of its own when mu is nil. (The suite passes a lock that
// lets it choose which buyer runs next.)
func NewMutexStock(n int64, mu sync.Locker) *MutexStock {
	if mu == nil {
		mu = new(sync.Mutex)
	}
	return &MutexStock{mu: mu, total: n, left: n}
}

// Take: under the lock, sold out when nothing is left; otherwise one item
// less, and the order id is its number in the sale (1 for the first item
// sold, n for the last).
//
// Step 1.
func (s *MutexStock) Take(context.Context, string) (int64, bool, error) {
	return 0, false, labkit.TODO("MutexStock.Take")
}

func (s *MutexStock) Left(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.left, nil
}

// CASStock decrements with compare-and-swap, without a lock.
type CASStock struct {
	total int64
	left  sale.Counter
}

// NewCASStock returns a stock of n items counted in left, or in an
// atomic.Int64 of its own when left is nil. (The suite passes a counter
// that lets it choose which buyer runs next.)
func NewCASStock(n int64, left sale.Counter) *CASStock {
	if left == nil {
		left = new(atomic.Int64)
	}
	left.Store(n)
	return &CASStock{total: n, left: left}
}

// Take: load the count; if it is 0, sold out; else CompareAndSwap it to
// one less, and if another buyer changed it in between, start over.
// Order ids as for MutexStock.
//
// Step 2.
func (s *CASStock) Take(context.Context, string) (int64, bool, error) {
	return 0, false, labkit.TODO("CASStock.Take")
}

func (s *CASStock) Left(context.Context) (int64, error) { return s.left.Load(), nil }
