package dump

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Proxy is a transparent TCP proxy: every byte goes to Target unchanged,
// and a copy goes to the Dumper. Decoding happens off the forwarding path.
type Proxy struct {
	Target string
	// Dumper decodes the copies; nil makes a plain forwarder (the
	// benchmark's baseline for the cost of the extra hop alone).
	Dumper *Dumper
	// Dial reaches the target; nil means a plain TCP dial.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Queue is how many read chunks (each at most 32 KiB) may wait for the
	// decoder; when the decoder falls further behind, the dump of that
	// connection stops, and forwarding never waits. 0 means 1024.
	Queue int
	// Record, if set, is called from each connection's decoder goroutine
	// with every chunk (valid only during the call): how the testdata
	// recordings are made.
	Record func(conn int, dir Dir, b []byte, at time.Time)
	// ConnDone, if set, is called when a connection's decoder has finished.
	ConnDone func(conn int)
}

type chunk struct {
	dir Dir
	at  time.Time
	b   *[]byte // from chunkPool
}

// Serve accepts connections on lis until ctx ends, then closes the listener
// and every open connection and returns after all its goroutines have.
func (p *Proxy) Serve(ctx context.Context, lis net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		<-ctx.Done()
		lis.Close()
	})
	for {
		c, err := lis.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		wg.Go(func() { p.handle(ctx, c) })
	}
}

// BatchDelay is how long the decoder lets chunks gather before it wakes
// up for them. Waking it for every read would put it on the forwarding
// path: the scheduler runs a goroutine readied by a channel send next, on
// the same CPU, ahead of the server the bytes were just written to. A
// millisecond later the call is over, and one wake decodes all of it.
const BatchDelay = time.Millisecond

// tee is one connection's queue of copies for its decoder. The copy loops
// append without waiting; the decoder takes everything at once.
type tee struct {
	mu      sync.Mutex
	chunks  []chunk
	limit   int
	dropped bool // the queue overflowed: the dump of this conn stops
	timer   *time.Timer
}

// add queues a copy of b, or marks the dump dropped when the queue is full.
func (t *tee) add(dir Dir, b []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.dropped:
	case len(t.chunks) >= t.limit:
		t.dropped = true
	default:
		t.chunks = append(t.chunks, chunk{dir: dir, at: time.Now(), b: copyChunk(b)})
		if len(t.chunks) == 1 {
			t.timer.Reset(BatchDelay) // the first of a batch wakes the decoder, later
		}
	}
}

// take returns the queued chunks (in spare's storage) and whether the
// queue overflowed.
func (t *tee) take(spare []chunk) ([]chunk, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.chunks
	t.chunks = spare[:0]
	return out, t.dropped
}

func (p *Proxy) handle(ctx context.Context, client net.Conn) {
	accepted := time.Now()
	dial := p.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	server, err := dial(dctx, "tcp", p.Target)
	cancel()
	if err != nil {
		if p.Dumper != nil {
			conn := p.Dumper.NewConn(client.RemoteAddr().String(), p.Target, accepted)
			conn.event(time.Now(), "dial_error", fmt.Sprintf("conn %d: cannot reach %s: %v; closing the client's connection", conn.id, p.Target, err), map[string]any{"error": err.Error()})
			if p.ConnDone != nil {
				p.ConnDone(conn.id)
			}
		}
		client.Close()
		return
	}
	var t *tee // nil: nothing to decode, never tee
	if p.Dumper != nil {
		limit := p.Queue
		if limit <= 0 {
			limit = 1024
		}
		t = &tee{limit: limit, timer: time.NewTimer(time.Hour)}
		t.timer.Stop()
	}
	var ends [2]string // how each direction ended, when it was not a clean close

	var wg sync.WaitGroup
	done := make(chan struct{})
	if t != nil {
		wg.Go(func() { p.decode(t, done, client, server, accepted, &ends) })
	}
	// Closing both sockets unblocks both copy loops: on shutdown, or when
	// one direction fails.
	var once sync.Once
	closeBoth := func() { once.Do(func() { client.Close(); server.Close() }) }
	wg.Go(func() {
		select {
		case <-ctx.Done():
			closeBoth()
		case <-done:
		}
	})
	var copies sync.WaitGroup
	copies.Go(func() { ends[C2S] = p.pipe(server, client, C2S, t, closeBoth) })
	copies.Go(func() { ends[S2C] = p.pipe(client, server, S2C, t, closeBoth) })
	copies.Wait()
	closeBoth()
	close(done)
	wg.Wait()
}

// decode is a connection's decoder goroutine, the only one that touches
// its Conn. It wakes for batches of chunks, and once more after done.
func (p *Proxy) decode(t *tee, done <-chan struct{}, client, server net.Conn, accepted time.Time, ends *[2]string) {
	// Made here, not before forwarding starts: the dump's output must
	// never delay a connection.
	conn := p.Dumper.NewConn(client.RemoteAddr().String(), server.RemoteAddr().String(), accepted)
	var batch []chunk
	stopped := false
	for last := false; !last; {
		select {
		case <-t.timer.C:
		case <-done: // both copy loops have returned: nothing more comes
			last = true
		}
		var dropped bool
		batch, dropped = t.take(batch)
		for _, ch := range batch {
			if !stopped {
				if p.Record != nil {
					p.Record(conn.id, ch.dir, *ch.b, ch.at)
				}
				conn.Feed(ch.dir, *ch.b, ch.at)
			}
			chunkPool.Put(ch.b)
		}
		clear(batch) // let the pool's buffers go
		if dropped && !stopped {
			stopped = true
			conn.Dropped(time.Now(), fmt.Sprintf("the decoder fell more than %d chunks behind", t.limit))
		}
	}
	t.timer.Stop()
	for dir, how := range ends {
		conn.Ended(Dir(dir), how)
	}
	conn.Close(time.Now())
	if p.ConnDone != nil {
		p.ConnDone(conn.id)
	}
}

// pipe copies src to dst. The copy for the decoder is queued before the
// write, so a reply can never reach the decoder ahead of its request, and
// it is queued without waiting: a full queue drops the dump, not the bytes.
// It returns how the direction ended when that was not a clean close.
func (p *Proxy) pipe(dst, src net.Conn, dir Dir, t *tee, closeBoth func()) string {
	buf := make([]byte, chunkSize)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if t != nil {
				t.add(dir, buf[:n])
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				closeBoth()
				if errors.Is(werr, net.ErrClosed) {
					return "" // the other direction closed both
				}
				return fmt.Sprintf("%s could not be passed on (%v)", dir.sender(), werr)
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				// Pass the half-close on: the peer may still answer.
				if cw, ok := dst.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
					return ""
				}
				closeBoth()
				return ""
			}
			if errors.Is(err, net.ErrClosed) {
				return "" // closed by the other direction or a shutdown
			}
			// A reset (or any other failure) is passed on as a reset, so
			// the other end learns what its peer learnt, not a clean close.
			if tc, ok := dst.(interface{ SetLinger(int) error }); ok {
				_ = tc.SetLinger(0)
			}
			closeBoth()
			return fmt.Sprintf("the %s's side failed (%v); the proxy reset the %s's connection in turn", dir.sender(), err, dir.other().sender())
		}
	}
}

// chunkSize is the largest read the proxy makes; copies for the decoder
// come from a pool, so a busy connection does not allocate per read.
const chunkSize = 32 << 10

var chunkPool = sync.Pool{New: func() any { b := make([]byte, 0, chunkSize); return &b }}

func copyChunk(b []byte) *[]byte {
	p := chunkPool.Get().(*[]byte)
	*p = append((*p)[:0], b...)
	return p
}
