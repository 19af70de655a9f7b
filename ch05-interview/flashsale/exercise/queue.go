package exercise

import (
	"context"
	"errors"
	"sync"

	"github.com/grpclabs/labs/scripts/labkit"
)

// ErrClosed is Take's error once the queue has been closed.
var ErrClosed = errors.New("flashsale: the sale is closed")

// QueueStock serialises every sale through one goroutine, the only one
// that touches the count: buyers put requests on a queue and wait.
type QueueStock struct {
	total    int64
	requests chan request
	quit     chan struct{} // closed by Close
	done     chan struct{} // closed when the writer has returned
	close    sync.Once
}

// request is one question to the writer: a Take (ctx set) or a Left
// (ctx nil). reply is buffered, so the writer never waits for a buyer.
type request struct {
	ctx   context.Context
	reply chan result
}

type result struct {
	id int64
	ok bool
}

// NewQueueStock returns a stock of n items whose queue holds up to queue
// waiting requests, and starts its writer.
func NewQueueStock(n int64, queue int) *QueueStock {
	s := &QueueStock{total: n, requests: make(chan request, queue), quit: make(chan struct{}), done: make(chan struct{})}
	go s.writer(n)
	return s
}

// writer owns left. Until quit: for each request, answer a Left with the
// count; drop a Take whose ctx has ended unsold (an item sold to nobody
// is lost); else sell (order ids as for MutexStock) or answer sold out.
// It closes done when it returns.
//
// Step 5.
func (s *QueueStock) writer(left int64) {
	defer close(s.done)
}

// Take queues a request and waits for the answer. Give up on ctx or quit
// while the request is not queued yet; once it is, only the writer knows
// whether it sold, so wait for its reply (or quit; then, once done is
// closed, a reply may still be there). A request dropped because ctx
// ended returns ctx.Err().
//
// Step 5.
func (s *QueueStock) Take(ctx context.Context, _ string) (int64, bool, error) {
	return 0, false, labkit.TODO("QueueStock.Take")
}

// Left asks the writer.
//
// Step 5.
func (s *QueueStock) Left(ctx context.Context) (int64, error) {
	return 0, labkit.TODO("QueueStock.Left")
}

// Close stops the writer; Take and Left fail from then on.
func (s *QueueStock) Close() error {
	s.close.Do(func() { close(s.quit) })
	<-s.done
	return nil
}
