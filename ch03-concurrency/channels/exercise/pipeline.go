package exercise

import (
	"context"

	"github.com/grpclabs/labs/scripts/labkit"
)

// Map is one pipeline stage: it reads values from in, applies f, and sends
// the results, in order, on the channel it returns. It closes that channel
// when in is closed or when ctx ends, whichever comes first, and its
// goroutine then exits, even if nobody reads its output any more.
// A nil in or f is refused up front: a nil channel would block forever.
//
// Step 6: every channel operation in the stage's goroutine sits in a select
// with <-ctx.Done().
func Map[T, U any](ctx context.Context, in <-chan T, f func(T) U) (<-chan U, error) {
	return nil, labkit.TODO("Map")
}

// Collect reads in until it is closed and returns everything, with a nil
// error. If ctx ends first it returns what it got so far together with
// context.Cause(ctx): an honest partial result, never one that looks
// complete.
func Collect[T any](ctx context.Context, in <-chan T) ([]T, error) {
	return nil, labkit.TODO("Collect")
}
