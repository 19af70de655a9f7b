// Package exercise is your copy of the channels lab (chapter 3.1,
// Goroutine与Channel). Edit the files here until `go test` in this folder
// is green; ../README.md walks you through it, one step at a time.
package exercise

import (
	"context"

	"github.com/grpclabs/labs/scripts/labkit"
)

// HandOff runs work in its own goroutine and waits for its result, which
// comes back over an unbuffered channel: the send completes only when this
// caller takes the value, so the hand-off is synchronous.
//
// The caller may give up: when ctx ends, HandOff returns ctx's error at
// once, the context work received is cancelled, and the worker goroutine
// exits as soon as work returns instead of blocking forever on a send
// nobody will receive.
//
// Step 1. The source text's version is
//
//	ch := make(chan string)
//	go func() { ch <- callRemoteService() }()
//	response := <-ch
//
// What happens to that goroutine when the caller stops waiting?
func HandOff[T any](ctx context.Context, work func(context.Context) (T, error)) (T, error) {
	var zero T
	return zero, labkit.TODO("HandOff")
}
