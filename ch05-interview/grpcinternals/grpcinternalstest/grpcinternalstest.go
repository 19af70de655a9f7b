// Package grpcinternalstest is the grpcinternals drill's suite. The
// exercise and the solution both run it through their one-screen
// *_test.go files.
//
// Every question is answered by the real grpc-go: real servers, real
// ClientConns, real HTTP/2 frames. What depends on time (happy eyeballs'
// 250ms, reconnect backoff, deadlines, a sender stalled on flow control)
// runs over bufconn inside a testing/synctest bubble, where the clock is
// fake and "everything is blocked" is an instant the test can wait for, so
// the numbers are exact and never flake. The connection counts are also
// taken on real loopback TCP listeners.
package grpcinternalstest

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/test/bufconn"

	probev1 "github.com/grpclabs/labs/ch05-interview/gen/probe/v1"
	"github.com/grpclabs/labs/ch05-interview/grpcinternals/observe"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch05-interview/grpcinternals"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "NewClient"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "Tap"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "Frames"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "NewReadyClient"}
	step5 = labkit.Step{Lab: lab, N: 5, What: "Probe.Wait"}
)

// Tapped is what the suite needs of the drill's tapped connection.
type Tapped interface {
	net.Conn
	Writes() []observe.Write
	Written() []byte
	ReadBytes() []byte
}

// Lab is one implementation of the drill.
type Lab struct {
	NewClient      func(policy string, addrs []string, opts ...grpc.DialOption) (*grpc.ClientConn, error)
	Tap            func(net.Conn) Tapped
	Frames         func([]byte) ([]observe.Frame, error)
	NewReadyClient func(target string, dial func(context.Context, string) (net.Conn, error), waitForReady bool) (*grpc.ClientConn, error)
	NewProbe       func(name string) probev1.ProbeServiceServer
}

// guard bounds waits outside a bubble on something a broken
// implementation may never do.
const guard = 30 * time.Second

// whoami is the suite's own backend for the experiments: it answers
// Whoami with its name and counts the calls.
type whoami struct {
	probev1.UnimplementedProbeServiceServer
	name  string
	calls atomic.Int64
}

func (w *whoami) Whoami(context.Context, *probev1.WhoamiRequest) (*probev1.WhoamiResponse, error) {
	w.calls.Add(1)
	return &probev1.WhoamiResponse{Backend: w.name}, nil
}

// countingListener counts accepted connections.
type countingListener struct {
	net.Listener
	accepts atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepts.Add(1)
	}
	return c, err
}

// backend is one running server.
type backend struct {
	name string
	lis  *countingListener
	srv  *grpc.Server
	done chan struct{}
	// dials counts connections made to a bufconn backend; hold, when set,
	// makes them wait until their context ends (a backend that never
	// answers the handshake).
	dials atomic.Int64
	hold  atomic.Bool
	bl    *bufconn.Listener
}

// startBackend serves a whoami on lis, until the test's cleanup.
func startBackend(t *testing.T, name string, lis net.Listener, opts ...grpc.ServerOption) *backend {
	b := &backend{name: name, lis: &countingListener{Listener: lis}, srv: grpc.NewServer(opts...), done: make(chan struct{})}
	probev1.RegisterProbeServiceServer(b.srv, &whoami{name: name})
	go func() { defer close(b.done); b.srv.Serve(b.lis) }()
	t.Cleanup(b.stop)
	return b
}

func (b *backend) stop() {
	b.srv.Stop()
	<-b.done
}

// bufBackends starts n whoami servers on bufconn, named b0, b1, ..., and
// returns them with a dialer that reaches each by its name.
func bufBackends(t *testing.T, n int) ([]*backend, grpc.DialOption) {
	var bs []*backend
	byName := map[string]*backend{}
	for i := range n {
		bl := bufconn.Listen(1 << 20)
		b := startBackend(t, "b"+string(rune('0'+i)), bl)
		b.bl = bl
		bs = append(bs, b)
		byName[b.name] = b
	}
	var mu sync.Mutex
	dial := grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
		mu.Lock()
		b := byName[addr]
		mu.Unlock()
		if b == nil {
			return nil, &net.OpError{Op: "dial", Net: "bufconn", Err: errNoBackend}
		}
		b.dials.Add(1)
		if b.hold.Load() {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return b.bl.DialContext(ctx)
	})
	return bs, dial
}

type errString string

func (e errString) Error() string { return string(e) }

const errNoBackend = errString("no such backend")

func names(bs []*backend) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.name)
	}
	return out
}
