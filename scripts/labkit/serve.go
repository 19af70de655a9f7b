package labkit

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
)

// Transport says how a test server is reached.
type Transport string

const (
	// Bufconn is an in-memory pipe: no ports, no kernel, fastest.
	Bufconn Transport = "bufconn"
	// Loopback is a real TCP listener on 127.0.0.1 with a port the kernel picks.
	Loopback Transport = "loopback"
)

// Transports lists both, for suites that run every case over each.
var Transports = []Transport{Bufconn, Loopback}

// Server is a running test server and a client connection to it.
type Server struct {
	GRPC *grpc.Server
	Conn *grpc.ClientConn
	// Addr is the dialled address: "127.0.0.1:port" for Loopback, "bufnet" for Bufconn.
	Addr string
	// Dial opens another client connection to the same server; it is closed
	// by the test's cleanup, before the server stops.
	Dial func(opts ...grpc.DialOption) *grpc.ClientConn
}

// Options tune [Serve]. The zero value is a plaintext server and client.
type Options struct {
	Server []grpc.ServerOption
	Client []grpc.DialOption
}

// Serve starts a gRPC server on tr, lets register add services to it, and
// connects a client. Cleanups run in the order that cannot hang or leak:
// clients close first, then the server stops and waits for its handlers.
func Serve(t testing.TB, tr Transport, register func(*grpc.Server), o Options) *Server {
	t.Helper()
	var (
		lis    net.Listener
		target string
		dialer []grpc.DialOption
	)
	switch tr {
	case Bufconn:
		bl := bufconn.Listen(1 << 20)
		lis = bl
		// passthrough: the default dns resolver would try to resolve "bufnet".
		target = "passthrough:///bufnet"
		dialer = []grpc.DialOption{grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return bl.DialContext(ctx)
		})}
	case Loopback:
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("labkit: listen on loopback: %v", err)
		}
		lis, target = l, l.Addr().String()
	default:
		t.Fatalf("labkit: unknown transport %q", tr)
	}

	srv := grpc.NewServer(append([]grpc.ServerOption{grpc.WaitForHandlers(true)}, o.Server...)...)
	register(srv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis) // returns when Stop closes the listener
	}()
	// Registered first, so it runs last.
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})

	dial := func(opts ...grpc.DialOption) *grpc.ClientConn {
		t.Helper()
		all := append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, dialer...)
		all = append(all, o.Client...)
		conn, err := grpc.NewClient(target, append(all, opts...)...)
		if err != nil {
			t.Fatalf("labkit: dial %s: %v", target, err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		return conn
	}
	addr := target
	if tr == Bufconn {
		addr = "bufnet"
	}
	return &Server{GRPC: srv, Conn: dial(), Addr: addr, Dial: dial}
}

// Run calls f once per transport, each as a subtest named after it.
func Run(t *testing.T, f func(t *testing.T, tr Transport)) {
	for _, tr := range Transports {
		t.Run(string(tr), func(t *testing.T) { f(t, tr) })
	}
}
