package room

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testCode = "48291736"

// pipeListener serves connections made with net.Pipe: an http.Server on
// it runs inside a synctest bubble, where a read deadline or a client's
// timeout passes instantly (a real socket cannot join a bubble).
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once

	refuse atomic.Bool // Dial fails at once, as a closed port does

	mu    sync.Mutex
	dials int
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// Dial is the client's side, for an http.Transport's DialContext.
func (l *pipeListener) Dial(ctx context.Context, _, _ string) (net.Conn, error) {
	l.mu.Lock()
	l.dials++
	l.mu.Unlock()
	if l.refuse.Load() {
		return nil, syscall.ECONNREFUSED
	}
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *pipeListener) Dials() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dials
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// bubbleRoom serves a room on a pipe listener for the rest of a bubbled
// test, stopping it in the test's cleanup; h, when set, wraps the room's
// handler (to hold requests or count them).
func bubbleRoom(t *testing.T, cfg Config, wrap func(http.Handler) http.Handler) (*Server, *pipeListener) {
	t.Helper()
	if cfg.Code == "" {
		cfg.Code = testCode
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln := newPipeListener()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	go func() { done <- serve(ctx, h, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv, ln
}

// serveLoopback serves srv on 127.0.0.1:0 until stop or the test's end;
// stop returns what Serve returned.
func serveLoopback(t *testing.T, srv *Server) (addr string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	var once sync.Once
	var serr error
	stop = func() error {
		once.Do(func() { cancel(); serr = <-done })
		return serr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String(), stop
}

// pipeClient is newClient's transport dialling the pipe listener.
func pipeClient(ln *pipeListener) *http.Client {
	hc := newClient()
	hc.Transport.(*http.Transport).DialContext = ln.Dial
	return hc
}
