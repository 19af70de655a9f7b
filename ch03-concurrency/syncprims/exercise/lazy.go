package exercise

import "github.com/grpclabs/labs/scripts/labkit"

// Lazy loads a value (typically configuration) the first time it is asked
// for, exactly once even when many goroutines ask at the same moment.
// A failed load is not cached: the next Get tries again.
type Lazy[T any] struct {
	load func() (T, error)

	// Step 3: add what you need to load once and publish the value safely.
}

// NewLazy returns a Lazy that calls load on first use.
func NewLazy[T any](load func() (T, error)) *Lazy[T] {
	return &Lazy[T]{load: load}
}

// Get returns the loaded value, loading it first if no load has succeeded
// yet.
func (l *Lazy[T]) Get() (T, error) {
	var zero T
	return zero, labkit.TODO("Lazy.Get")
}
