package solution

import (
	"context"
	"errors"
)

// Map is one pipeline stage: it reads values from in, applies f, and sends
// the results, in order, on the channel it returns. It closes that channel
// when in is closed or when ctx ends, whichever comes first, and its
// goroutine then exits, even if nobody reads its output any more.
// A nil in or f is refused up front: a nil channel would block forever.
func Map[T, U any](ctx context.Context, in <-chan T, f func(T) U) (<-chan U, error) {
	if in == nil || f == nil {
		return nil, errors.New("pipeline: Map needs an input channel and a function")
	}
	out := make(chan U)
	go func() {
		defer close(out) // tells the next stage we are done, either way
		for {
			// Both the receive and the send wait on ctx too: a stage blocked
			// on either one would otherwise outlive a cancelled pipeline.
			var v T
			select {
			case x, ok := <-in:
				if !ok {
					return
				}
				v = x
			case <-ctx.Done():
				return
			}
			select {
			case out <- f(v):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// Collect reads in until it is closed and returns everything, with a nil
// error. If ctx ends first it returns what it got so far together with
// ctx's cause: an honest partial result, never one that looks complete.
func Collect[T any](ctx context.Context, in <-chan T) ([]T, error) {
	var got []T
	for {
		select {
		case v, ok := <-in:
			if !ok {
				return got, nil
			}
			got = append(got, v)
		case <-ctx.Done():
			return got, context.Cause(ctx)
		}
	}
}
