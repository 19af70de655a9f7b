package restvsgrpctest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
	usersol "github.com/grpclabs/labs/ch01-overview/userservice/solution"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Meter counts what crosses the connections it dials, as the client's
// kernel sees it: every byte of every frame, header and handshake, not the
// payload size. Up is client to server, down is server to client.
type Meter struct {
	up, down, conns atomic.Int64
}

// DialContext dials like net.Dialer and wraps the connection so that every
// Read and Write is counted. Both http.Transport.DialContext and
// grpc.WithContextDialer take it.
func (m *Meter) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	m.conns.Add(1)
	return &countingConn{Conn: c, m: m}, nil
}

func (m *Meter) reset() { m.up.Store(0); m.down.Store(0) }

type countingConn struct {
	net.Conn
	m *Meter
}

// Read and Write count n even when err is set: a short write still sent n bytes.
func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.m.down.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.m.up.Add(int64(n))
	return n, err
}

// gate routes calls through a barrier while armed, so a warm-up round of
// n concurrent callers holds every one of them in flight at once: HTTP/1.1
// then has to open n connections before the timer starts.
type gate struct {
	userv1.UnimplementedUserServiceServer
	inner userv1.UserServiceServer
	armed atomic.Pointer[barrierStore]
}

func (g *gate) GetUser(ctx context.Context, req *userv1.GetUserRequest) (*userv1.GetUserResponse, error) {
	if b := g.armed.Load(); b != nil {
		return b.GetUser(ctx, req)
	}
	return g.inner.GetUser(ctx, req)
}

// BenchmarkGetUser compares one GetUser call over HTTP/1.1 + JSON (the
// lab's handler and client) with the same call over gRPC, from 1 and from
// 16 concurrent callers, over loopback TCP.
//
// Connection setup is kept out of the numbers, and said so: each
// sub-benchmark dials, makes one call, then warms up with every caller in
// flight at once (so HTTP/1.1 has opened one connection per caller, and
// HPACK's tables hold the repeated headers), and only then resets the timer
// and the byte counters. (The bytes of a first call are in TestCompare/hpack:
// counted per call here they would race with the writer goroutine.) The
// HTTP client keeps up to 16 idle connections per host; Go's default of 2
// would close and redial connections under 16 callers.
//
// Metrics: ns/op is wall time per call (with 16 callers, calls overlap, so
// it is the inverse of throughput), B/call-up and B/call-down are the bytes
// each call put on the wire in each direction, conns is how many
// connections the client dialled in total.
func BenchmarkGetUser(b *testing.B, newHandler NewHandlerFunc, getUser GetUserFunc) {
	for _, callers := range []int{1, 16} {
		b.Run(fmt.Sprintf("callers=%d/proto=HTTP1-JSON", callers), func(b *testing.B) {
			benchHTTP(b, callers, newHandler, getUser)
		})
		b.Run(fmt.Sprintf("callers=%d/proto=gRPC", callers), func(b *testing.B) {
			benchGRPC(b, callers, 0)
		})
		// A deadline travels as a grpc-timeout header whose value changes
		// every call, so HPACK cannot index it: the price of a good habit.
		b.Run(fmt.Sprintf("callers=%d/proto=gRPC-deadline", callers), func(b *testing.B) {
			benchGRPC(b, callers, 5*time.Second)
		})
	}
}

func benchHTTP(b *testing.B, callers int, newHandler NewHandlerFunc, getUser GetUserFunc) {
	g := &gate{inner: usersol.NewServer(fixtures())}
	srv, _ := serveHTTP(b, newHandler(g))
	m := &Meter{}
	tr := &http.Transport{DialContext: m.DialContext, MaxIdleConnsPerHost: 16}
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	measure(b, m, g, callers, func(ctx context.Context) error {
		_, err := getUser(ctx, hc, srv.URL, "42")
		return err
	})
}

func benchGRPC(b *testing.B, callers int, timeout time.Duration) {
	g := &gate{inner: usersol.NewServer(fixtures())}
	m := &Meter{}
	s := labkit.Serve(b, labkit.Loopback, func(s *grpc.Server) { userv1.RegisterUserServiceServer(s, g) }, labkit.Options{
		Client: []grpc.DialOption{grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return m.DialContext(ctx, "tcp", addr)
		})},
	})
	stub := userv1.NewUserServiceClient(s.Conn)
	measure(b, m, g, callers, func(ctx context.Context) error {
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		_, err := stub.GetUser(ctx, &userv1.GetUserRequest{UserId: "42"})
		return err
	})
}

// measure runs the warm-up and the timed loop shared by both protocols.
func measure(b *testing.B, m *Meter, g *gate, callers int, call func(context.Context) error) {
	ctx := b.Context()

	// The first call dials (and, for gRPC, exchanges the HTTP/2 preface and
	// SETTINGS); its bytes are setup, not per-call cost.
	if err := call(ctx); err != nil {
		step5.Require(b, todoIn(err))
	}

	// Warm-up: every caller in flight at once, then a few rounds more.
	g.armed.Store(newBarrierStore(g.inner, callers))
	if err := concurrently(callers, func() error { return call(ctx) }); err != nil {
		b.Fatal(err)
	}
	g.armed.Store(nil)
	if err := concurrently(callers, func() error {
		for range 20 {
			if err := call(ctx); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}

	m.reset()
	b.ResetTimer()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if err := call(ctx); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(m.up.Load())/float64(b.N), "B/call-up")
	b.ReportMetric(float64(m.down.Load())/float64(b.N), "B/call-down")
	b.ReportMetric(float64(m.conns.Load()), "conns")
}
