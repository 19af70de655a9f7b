package solution

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is Take's error once the queue has been closed.
var ErrClosed = errors.New("flashsale: the sale is closed")

// QueueStock serialises every sale through one goroutine, the only one
// that ever touches the counter: buyers put requests on a queue and wait
// for the answer. Nothing is shared, so nothing needs a lock; the cost is
// a channel hand-off per request, and a queue that can fill up.
type QueueStock struct {
	total    int64
	requests chan request
	quit     chan struct{}
	done     chan struct{}
	close    sync.Once
}

type request struct {
	ctx   context.Context
	reply chan result // buffered: the writer never blocks on a buyer who left
}

type result struct {
	id int64
	ok bool
}

// NewQueueStock returns a stock of n items whose queue holds up to queue
// waiting requests, and starts its writer. Close stops it.
func NewQueueStock(n int64, queue int) *QueueStock {
	s := &QueueStock{total: n, requests: make(chan request, queue), quit: make(chan struct{}), done: make(chan struct{})}
	go s.writer(n)
	return s
}

// writer owns left. A request whose buyer has already gone is dropped
// unsold: selling to nobody would lose the item.
func (s *QueueStock) writer(left int64) {
	defer close(s.done)
	for {
		select {
		case <-s.quit:
			return
		case r := <-s.requests:
			if r.ctx == nil { // a Left query
				r.reply <- result{id: left}
				continue
			}
			if r.ctx.Err() != nil {
				r.reply <- result{}
				continue
			}
			if left == 0 {
				r.reply <- result{}
				continue
			}
			left--
			r.reply <- result{id: s.total - left, ok: true}
		}
	}
}

// ask queues r and waits for its answer, or for ctx or Close.
func (s *QueueStock) ask(ctx context.Context, r request) (result, error) {
	select {
	case s.requests <- r:
	case <-ctx.Done():
		return result{}, ctx.Err()
	case <-s.quit:
		return result{}, ErrClosed
	}
	select {
	case res := <-r.reply:
		return res, nil
	case <-s.quit:
		// The writer may have answered just before it stopped: once it has
		// exited, the reply is there or it never will be.
		<-s.done
		select {
		case res := <-r.reply:
			return res, nil
		default:
			return result{}, ErrClosed
		}
	}
}

// Take waits for the writer's answer even after ctx ends: once the
// request is queued, only the writer knows whether it sold, and it
// answers at once.
func (s *QueueStock) Take(ctx context.Context, _ string) (int64, bool, error) {
	res, err := s.ask(ctx, request{ctx: ctx, reply: make(chan result, 1)})
	if err != nil {
		return 0, false, err
	}
	if !res.ok && ctx.Err() != nil {
		return 0, false, ctx.Err() // dropped unsold because the buyer left
	}
	return res.id, res.ok, nil
}

func (s *QueueStock) Left(ctx context.Context) (int64, error) {
	res, err := s.ask(ctx, request{reply: make(chan result, 1)})
	return res.id, err
}

// Close stops the writer; Take and Left fail from then on.
func (s *QueueStock) Close() error {
	s.close.Do(func() { close(s.quit) })
	<-s.done
	return nil
}
