package solution

import (
	"sync"
	"sync/atomic"
)

// LoadOnce returns a getter for startup configuration: the first call runs
// load, and every call, concurrent or later, returns that one result.
//
// It is sync.OnceValues, and choosing it is the decision: the first result
// is final. A successful load is never repeated, a failed load is never
// retried, and if load panics, every call panics with the same value. For
// configuration the process reads at startup (a file, flags, the
// environment) that is what you want: a malformed file will not fix itself
// on the next call, so the honest answer is to fail fast, exit, and let the
// supervisor (systemd, Kubernetes) restart the process after the file is
// fixed. Call the getter once in main, before the gRPC server starts
// serving, so a bad configuration stops the deploy instead of failing the
// first request.
//
// The hand-written form, sync.Once plus two fields, gets the common case
// right and the panic wrong: Once marks itself done even when its function
// panicked, so every later caller would read a zero configuration and a nil
// error. OnceValues re-panics for each of them.
func LoadOnce[T any](load func() (T, error)) func() (T, error) {
	return sync.OnceValues(load)
}

// Lazy loads a value (typically configuration) the first time it is asked
// for, exactly once even when many goroutines ask at the same moment.
//
// Decision: unlike LoadOnce, a failed load is NOT cached. The next Get tries
// again, so a configuration source that was briefly unreachable (a config
// service, etcd) does not poison the process until it restarts.
//
// sync.Once cannot express this: Do marks the Once done when its function
// returns, whatever it returned, and a Once cannot be reset. So Lazy is
// built the way sync.Once is built inside, with "done" meaning "a load
// succeeded" instead of "a load ran".
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
