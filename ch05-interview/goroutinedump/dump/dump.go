// Package dump holds the types of the goroutinedump drill's dump reader,
// shared by the exercise, the solution and the suite.
package dump

import "time"

// Goroutine is one goroutine of a dump.
type Goroutine struct {
	ID int
	// State is what the goroutine was doing, the first part of the bracket
	// in its header: "running", "chan receive", "sync.Mutex.Lock", "select".
	State string
	// Wait is how long it had been blocked, as the header says ("5
	// minutes"); the runtime prints it only after a minute, so 0 is "less
	// than a minute" or "not blocked".
	Wait time.Duration
	// Frames is its stack, innermost call first.
	Frames []Frame
	// CreatedBy is the go statement that started it (zero for goroutine 1),
	// with the id of the goroutine that ran it in CreatorID.
	CreatedBy Frame
	CreatorID int
}

// Frame is one call of a stack.
type Frame struct {
	Func string // "main.(*Server).handle", without arguments
	File string
	Line int
}

// Group is goroutines stuck at the same place: the same state at the same
// line of the package being diagnosed.
type Group struct {
	State string
	Frame Frame // the innermost frame in the package
	Count int
	IDs   []int         // ascending
	Wait  time.Duration // the longest wait in the group
}
