package solution

import "fmt"

// Window is a count-based sliding window: the outcomes of the latest Size
// calls, kept in a ring so recording is O(1) and the counts are always
// exact. It is not safe for concurrent use; the breaker holds its lock.
type Window struct {
	failed   []bool // the ring; failed[next] is the oldest once full
	next     int    // where the next outcome goes
	calls    int    // outcomes held, up to len(failed)
	failures int    // of those, how many failed
}

// NewWindow returns an empty window over the latest size outcomes.
func NewWindow(size int) (*Window, error) {
	if size < 1 {
		return nil, fmt.Errorf("window size %d must be at least 1", size)
	}
	return &Window{failed: make([]bool, size)}, nil
}

// Record adds one outcome; once the window is full it pushes out the oldest.
func (w *Window) Record(failure bool) {
	if w.calls == len(w.failed) {
		if w.failed[w.next] {
			w.failures--
		}
	} else {
		w.calls++
	}
	w.failed[w.next] = failure
	if failure {
		w.failures++
	}
	w.next = (w.next + 1) % len(w.failed)
}

// Counts returns how many outcomes the window holds and how many failed.
func (w *Window) Counts() (calls, failures int) { return w.calls, w.failures }

// Full reports whether the window holds Size outcomes.
func (w *Window) Full() bool { return w.calls == len(w.failed) }

// Reset forgets every outcome.
func (w *Window) Reset() {
	clear(w.failed)
	w.next, w.calls, w.failures = 0, 0, 0
}
