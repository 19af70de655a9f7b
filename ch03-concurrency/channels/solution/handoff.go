// Package solution is the reference for the channels lab (chapter 3.1,
// Goroutine与Channel): a synchronous hand-off, scatter-gather over gRPC
// backends with three policies (partial, fail-fast, hedged), a bounded
// worker pool and a cancellable pipeline.
package solution

import "context"

// HandOff runs work in its own goroutine and waits for its result, which
// comes back over an unbuffered channel: the send completes only when this
// caller takes the value, so the hand-off is synchronous.
//
// The caller may give up: when ctx ends, HandOff returns ctx's error at
// once, the context work received is cancelled, and the worker goroutine
// exits as soon as work returns instead of blocking forever on a send
// nobody will receive.
func HandOff[T any](ctx context.Context, work func(context.Context) (T, error)) (T, error) {
	// Our own child context: giving up (or finishing) cancels work's context
	// even if the caller's context lives on.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type result struct {
		v   T
		err error
	}
	ch := make(chan result) // unbuffered on purpose: a rendezvous

	go func() {
		v, err := work(ctx)
		// The text's version is a bare `ch <- r`: if the caller left, that
		// send blocks forever and the goroutine (and all it holds) leaks.
		select {
		case ch <- result{v, err}:
		case <-ctx.Done(): // the caller gave up (or HandOff returned): drop it
		}
	}()

	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
