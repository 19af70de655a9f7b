package exercise

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/grpclabs/labs/scripts/labkit"
)

// MutexStock guards a counter with a mutex.
type MutexStock struct {
	mu    sync.Mutex
	total int64
	left  int64
}

// NewMutexStock returns a stock of n items.
func NewMutexStock(n int64) *MutexStock { return &MutexStock{total: n, left: n} }

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
	left  atomic.Int64
}

// NewCASStock returns a stock of n items.
func NewCASStock(n int64) *CASStock {
	s := &CASStock{total: n}
	s.left.Store(n)
	return s
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
