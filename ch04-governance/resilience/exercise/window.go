package exercise

import "github.com/grpclabs/labs/scripts/labkit"

// Window is a count-based sliding window: the outcomes of the latest Size
// calls. Keep them in a ring (a slice and the index of the next slot) with
// running counts, so Record and Counts are O(1). It need not be safe for
// concurrent use: the breaker holds its own lock around it.
type Window struct {
	// Step 1: your fields.
}

// NewWindow returns an empty window over the latest size outcomes, or an
// error when size is less than 1.
//
// Step 1.
func NewWindow(size int) (*Window, error) {
	return nil, labkit.TODO("NewWindow")
}

// Record adds one outcome; once the window is full it pushes out the oldest.
func (w *Window) Record(failure bool) {}

// Counts returns how many outcomes the window holds and how many failed.
func (w *Window) Counts() (calls, failures int) { return 0, 0 }

// Reset forgets every outcome.
func (w *Window) Reset() {}
