package dump

import (
	"context"
	"io"
	"sync"
)

// DefaultOutputBuffer is how many bytes of dump an [Output] holds for a
// reader that has fallen behind, when no limit is given.
const DefaultOutputBuffer = 8 << 20

// Output writes the dump to a terminal, a pipe or a file without ever
// making the decoder wait: Write copies a record into a bounded buffer and
// returns, and one goroutine of its own writes the buffer out. When the
// reader stops reading (a paused pager, a FIFO nobody reads) and the buffer
// is full, whole records are dropped and counted; once the reader catches
// up, a line says how many were lost. Forwarding never depends on it.
type Output struct {
	w      io.Writer
	limit  int
	notice func(dropped int64) []byte

	mu      sync.Mutex
	pending []byte // records waiting for the writer goroutine
	spare   []byte // the buffer the writer goroutine gives back
	dropped int64  // records dropped since the last notice
	total   int64  // records dropped in all
	closed  bool
	wake    chan struct{} // capacity 1: "there is something to write"
	done    chan struct{} // closed when the writer goroutine has returned
	werr    error         // the first write error; the dump stops there
}

// NewOutput starts an Output to w that holds at most limit bytes (<= 0:
// DefaultOutputBuffer). notice formats the line that reports dropped
// records; nil writes nothing.
func NewOutput(w io.Writer, limit int, notice func(dropped int64) []byte) *Output {
	if limit <= 0 {
		limit = DefaultOutputBuffer
	}
	o := &Output{w: w, limit: limit, notice: notice, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go o.loop()
	return o
}

// Write queues p, one whole record, or drops it when the buffer is full.
// It never blocks and never fails: the dump is a copy, losing some of it
// is better than slowing what it watches.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	switch {
	case o.closed || o.werr != nil:
	case len(o.pending)+len(p) > o.limit:
		o.dropped++
		o.total++
	default:
		o.pending = append(o.pending, p...)
	}
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return len(p), nil
}

// Dropped returns how many records were dropped so far.
func (o *Output) Dropped() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.total
}

// Close stops taking records and writes what is buffered, for as long as
// ctx allows: a reader that never reads again must not keep the program
// from exiting. It returns the first write error, or ctx's error when the
// buffer could not be written out in time.
func (o *Output) Close(ctx context.Context) error {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
	select {
	case <-o.done:
		o.mu.Lock()
		defer o.mu.Unlock()
		return o.werr
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (o *Output) loop() {
	defer close(o.done)
	for range o.wake {
		for {
			o.mu.Lock()
			buf, dropped, closed := o.pending, o.dropped, o.closed
			o.pending, o.spare, o.dropped = o.spare[:0], nil, 0
			o.mu.Unlock()
			if dropped > 0 && o.notice != nil {
				buf = append(buf, o.notice(dropped)...)
			}
			if len(buf) == 0 {
				if closed {
					return
				}
				break
			}
			_, err := o.w.Write(buf)
			o.mu.Lock()
			o.spare = buf[:0]
			if err != nil && o.werr == nil {
				o.werr = err // a closed pipe: nobody is reading any more
			}
			stop := o.werr != nil
			o.mu.Unlock()
			if stop {
				return
			}
		}
	}
}
