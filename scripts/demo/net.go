package demo

import (
	"context"
	"fmt"
	"net"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
)

// Net is where a program's own in-process servers listen and how its
// clients reach them. A demo that runs a whole system in one process (a
// chain of hops, a fan-out to backends, a proxy) gets its Net from
// [NetFrom]: loopback TCP in a real run, in-memory pipes when a test asked
// for them with [WithMemNet]. In-memory pipes are what let a test run the
// program inside a testing/synctest bubble, where a deadline passes
// instantly and exactly, so no busy machine can make the test flaky.
type Net struct {
	mem bool
	mu  sync.Mutex
	lis map[string]*memListener
	n   int
}

type netKey struct{}

// WithMemNet returns a context under which [NetFrom] gives in-memory
// pipes (bufconn) instead of loopback TCP.
func WithMemNet(ctx context.Context) context.Context {
	return context.WithValue(ctx, netKey{}, &Net{mem: true, lis: map[string]*memListener{}})
}

// NetFrom returns the Net of ctx: loopback TCP unless [WithMemNet] made it.
func NetFrom(ctx context.Context) *Net {
	if n, ok := ctx.Value(netKey{}).(*Net); ok {
		return n
	}
	return &Net{}
}

// InMemory reports whether n is made of in-memory pipes.
func (n *Net) InMemory() bool { return n.mem }

// Listen listens on addr (host:port, port 0 picks one), or on a fresh
// in-memory address ("mem-1", "mem-2", ...) whatever addr says.
func (n *Net) Listen(addr string) (net.Listener, error) {
	if !n.mem {
		return net.Listen("tcp", addr)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.n++
	l := &memListener{Listener: bufconn.Listen(1 << 20), net: n, name: fmt.Sprintf("mem-%d", n.n)}
	n.lis[l.name] = l
	return l, nil
}

// DialContext opens a raw connection to addr: what a TCP proxy needs.
func (n *Net) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if !n.mem {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	n.mu.Lock()
	l := n.lis[addr]
	n.mu.Unlock()
	if l == nil {
		return nil, fmt.Errorf("dial %s: no in-memory listener there (connection refused)", addr)
	}
	return l.DialContext(ctx)
}

// NewClient is grpc.NewClient for a server of this Net. Pass the
// credentials as usual; for in-memory pipes it adds the dialer.
func (n *Net) NewClient(addr string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	if !n.mem {
		return grpc.NewClient(addr, opts...)
	}
	dial := grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) {
		return n.DialContext(ctx, "tcp", a)
	})
	// passthrough: the default resolver would look "mem-1" up in DNS.
	return grpc.NewClient("passthrough:///"+addr, append([]grpc.DialOption{dial}, opts...)...)
}

type memListener struct {
	*bufconn.Listener
	net  *Net
	name string
}

func (l *memListener) Addr() net.Addr { return memAddr(l.name) }

func (l *memListener) Close() error {
	l.net.mu.Lock()
	delete(l.net.lis, l.name)
	l.net.mu.Unlock()
	return l.Listener.Close()
}

type memAddr string

func (memAddr) Network() string  { return "mem" }
func (a memAddr) String() string { return string(a) }

// Serve starts s on n at s.Addr (default 127.0.0.1:0; in memory, a fresh
// address), see [Start], and connects a plaintext client to it (opts may add interceptors, or credentials that
// replace plaintext). close closes the client, then stops the server: the
// order in which neither waits for the other.
func (n *Net) Serve(s Server, opts ...grpc.DialOption) (conn *grpc.ClientConn, close func(), err error) {
	if s.Addr == "" {
		s.Addr = "127.0.0.1:0"
	}
	if s.Listener, err = n.Listen(s.Addr); err != nil {
		return nil, nil, fmt.Errorf("cannot listen: %w", err)
	}
	lis, stop, err := Start(s)
	if err != nil {
		return nil, nil, err
	}
	conn, err = n.NewClient(lis.Addr().String(), append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)...)
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("dial %s: %w", lis.Addr(), err)
	}
	return conn, func() { conn.Close(); stop() }, nil
}
