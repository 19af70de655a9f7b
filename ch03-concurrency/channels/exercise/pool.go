package exercise

import (
	"context"
	"errors"
	"sync"

	"github.com/grpclabs/labs/scripts/labkit"
)

// ErrClosed is returned by Submit once Shutdown has begun.
var ErrClosed = errors.New("pool: closed")

// Pool runs tasks on a fixed number of worker goroutines, so at most that
// many run at once however many are submitted. A bounded queue in front of
// the workers gives back-pressure: Submit blocks while it is full.
//
// A task is a func(context.Context). Its context ends when the pool gives
// up on it (a Shutdown whose own context ended).
//
// Step 5. The fields below are one way to do it; change them freely.
type Pool struct {
	queue   chan func(context.Context)
	workCtx context.Context    // every task's context...
	abort   context.CancelFunc // ...cancelled when Shutdown runs out of patience
	workers sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	closing chan struct{}  // closed when Shutdown begins
	senders sync.WaitGroup // Submits that may still send on queue
	once    sync.Once      // closes queue once, however many Shutdowns
}

// NewPool starts workers goroutines (at least 1) behind a queue of queue
// waiting tasks (0 makes Submit a direct hand-off to an idle worker).
//
// Step 5: start the workers; each runs tasks from the queue until it is
// closed and empty.
func NewPool(workers, queue int) *Pool {
	ctx, cancel := context.WithCancel(context.Background())
	return &Pool{
		queue:   make(chan func(context.Context), max(queue, 0)),
		workCtx: ctx,
		abort:   cancel,
		closing: make(chan struct{}),
	}
}

// Submit queues task, waiting while the queue is full. It returns ctx's
// error if ctx ends first, and ErrClosed once Shutdown has begun; a task
// for which Submit returned nil will run.
//
// Step 5: careful, a send on a closed channel panics. Who may close queue,
// and when is it sure that no Submit is still sending?
func (p *Pool) Submit(ctx context.Context, task func(context.Context)) error {
	return labkit.TODO("Pool.Submit")
}

// Shutdown stops accepting tasks and waits until every accepted task has
// run: a graceful drain. If ctx ends first, it cancels the tasks' context
// (tasks still queued then run with it already cancelled, so they can
// return at once), waits for the workers to return anyway (no goroutine
// outlives the pool), and returns ctx's error. Calling it again is harmless.
func (p *Pool) Shutdown(ctx context.Context) error {
	return labkit.TODO("Pool.Shutdown")
}
