package solution

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/grpclabs/labs/ch05-interview/flashsale/sale"
)

// MutexStock guards a counter with a mutex: the check and the decrement
// happen under one lock, so no two buyers see the same last item.
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

func (s *MutexStock) Take(context.Context, string) (int64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.left == 0 {
		return 0, false, nil
	}
	s.left--
	return s.total - s.left, true, nil // orders numbered 1..n in the order they sold
}

func (s *MutexStock) Left(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.left, nil
}

// CASStock decrements with compare-and-swap: read, check, and swap only if
// nobody changed the counter in between; otherwise read again. No lock,
// no waiting, only retries under contention.
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

func (s *CASStock) Take(context.Context, string) (int64, bool, error) {
	for {
		left := s.left.Load()
		if left == 0 {
			return 0, false, nil
		}
		if s.left.CompareAndSwap(left, left-1) {
			return s.total - left + 1, true, nil
		}
		// Someone else took an item between our Load and our swap: retry.
	}
}

func (s *CASStock) Left(context.Context) (int64, error) { return s.left.Load(), nil }
