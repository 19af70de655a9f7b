package solution

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned by Submit once Shutdown has begun.
var ErrClosed = errors.New("pool: closed")

// A task is a func(context.Context). Its context ends when the pool gives
// up on it (a Shutdown whose own context ended).

// Pool runs tasks on a fixed number of worker goroutines, so at most that
// many run at once however many are submitted. A bounded queue in front of
// the workers gives back-pressure: Submit blocks while it is full.
type Pool struct {
	queue chan func(context.Context)
	// workCtx is every task's context; abort cancels it when a Shutdown
	// runs out of patience.
	workCtx context.Context
	abort   context.CancelFunc
	workers sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	closing chan struct{}  // closed when Shutdown begins
	senders sync.WaitGroup // Submits between "not closed" and their send
	once    sync.Once      // closes queue once, however many Shutdowns
}

// NewPool starts workers goroutines (at least 1) behind a queue of queue
// waiting tasks (0 makes Submit a direct hand-off to an idle worker).
func NewPool(workers, queue int) *Pool {
	workers = max(workers, 1)
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pool{
		queue:   make(chan func(context.Context), max(queue, 0)),
		workCtx: ctx,
		abort:   cancel,
		closing: make(chan struct{}),
	}
	for range workers {
		p.workers.Go(func() {
			// range ends when Shutdown closes the queue and it is empty:
			// that is the drain.
			for task := range p.queue {
				task(p.workCtx)
			}
		})
	}
	return p
}

// Submit queues task, waiting while the queue is full. It returns ctx's
// error if ctx ends first, and ErrClosed once Shutdown has begun; a task
// for which Submit returned nil will run.
func (p *Pool) Submit(ctx context.Context, task func(context.Context)) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	// Registered under the lock, so Shutdown cannot close the queue while
	// we may still send on it (a send on a closed channel panics).
	p.senders.Add(1)
	p.mu.Unlock()
	defer p.senders.Done()

	select {
	case p.queue <- task:
		return nil
	case <-p.closing:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown stops accepting tasks and waits until every accepted task has
// run: a graceful drain. If ctx ends first, it cancels the tasks' context
// (tasks still queued then run with it already cancelled, so they can
// return at once), waits for the workers to return anyway (no goroutine
// outlives the pool), and returns ctx's error. Calling it again is harmless.
func (p *Pool) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.closing) // wakes Submits blocked on a full queue
	}
	p.mu.Unlock()

	drained := make(chan struct{})
	go func() {
		p.senders.Wait() // no Submit can send any more...
		p.once.Do(func() { close(p.queue) })
		p.workers.Wait() // ...and every queued task has run
		close(drained)
	}()

	select {
	case <-drained:
		p.abort() // release the context's resources
		return nil
	case <-ctx.Done():
		p.abort() // tell running tasks to stop, then wait for them anyway
		<-drained
		return ctx.Err()
	}
}
