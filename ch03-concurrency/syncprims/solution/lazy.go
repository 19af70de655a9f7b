package solution

import (
	"sync"
	"sync/atomic"
)

// Lazy loads a value (typically configuration) the first time it is asked
// for, exactly once even when many goroutines ask at the same moment.
//
// Decision: a failed load is NOT cached. The next Get tries again, so a
// configuration source that was briefly unreachable (a config service, etcd)
// does not poison the process forever. sync.OnceValues would cache the
// error, which is right when a failure is permanent (a malformed file) and
// the process should stop; see the README.
type Lazy[T any] struct {
	load func() (T, error)

	// done is the lock-free fast path: once it is true, v never changes
	// again, and the atomic load orders our read of v after its write.
	done atomic.Bool
	mu   sync.Mutex // serialises loads, so at most one runs at a time
	v    T
}

// NewLazy returns a Lazy that calls load on first use.
func NewLazy[T any](load func() (T, error)) *Lazy[T] {
	return &Lazy[T]{load: load}
}

// Get returns the loaded value, loading it first if no load has succeeded
// yet. This is the shape of sync.Once's own code: an atomic check, then a
// mutex and a second check.
func (l *Lazy[T]) Get() (T, error) {
	if l.done.Load() {
		return l.v, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done.Load() { // someone else loaded it while we waited for mu
		return l.v, nil
	}
	v, err := l.load()
	if err != nil {
		var zero T
		return zero, err
	}
	l.v = v
	l.done.Store(true)
	return v, nil
}
