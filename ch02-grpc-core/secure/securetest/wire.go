package securetest

import (
	"crypto/tls"
	"net"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/proto"

	securelabv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/securelab/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/secure/replica"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Counter is what the lab's counting listener offers.
type Counter interface {
	net.Listener
	Read() int64
	Written() int64
}

// probe is the suite's own byte count, under the learner's listener, to
// check it against.
type probe struct {
	net.Listener
	read, written atomic.Int64
}

func (p *probe) Accept() (net.Conn, error) {
	c, err := p.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &probeConn{Conn: c, p: p}, nil
}

type probeConn struct {
	net.Conn
	p *probe
}

func (c *probeConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.p.read.Add(int64(n))
	return n, err
}

func (c *probeConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.p.written.Add(int64(n))
	return n, err
}

// wireServer is a TLS replica server on loopback behind the lab's counter.
type wireServer struct {
	counter Counter
	probe   *probe
	addr    string
	stop    func()
}

func startWire[L Counter](tb testing.TB, newCounting func(net.Listener) L, records int) *wireServer {
	tb.Helper()
	f := certs(tb)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &probe{Listener: l}
	counter := newCounting(p)
	g := grpc.NewServer(grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{f.server}, MinVersion: tls.VersionTLS12})))
	securelabv1.RegisterReplicaServiceServer(g, &replica.Server{Records: replica.Records(records)})
	done := make(chan struct{})
	go func() { defer close(done); _ = g.Serve(counter) }()
	return &wireServer{counter: counter, probe: p, addr: l.Addr().String(), stop: func() { g.Stop(); <-done }}
}

func (w *wireServer) dial(tb testing.TB, opts ...grpc.DialOption) (securelabv1.ReplicaServiceClient, func()) {
	tb.Helper()
	f := certs(tb)
	opts = append([]grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: f.ca.pool(), ServerName: serverName, MinVersion: tls.VersionTLS12}))}, opts...)
	conn, err := grpc.NewClient(w.addr, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return securelabv1.NewReplicaServiceClient(conn), func() { _ = conn.Close() }
}

// pullCost is the bytes the server writes for one Pull of everything, on
// a connection already warmed up (handshake and settings excluded).
func (w *wireServer) pullCost(tb testing.TB, client securelabv1.ReplicaServiceClient) (int64, *securelabv1.PullResponse, error) {
	if _, err := client.Pull(tb.Context(), &securelabv1.PullRequest{Limit: 1}); err != nil {
		return 0, nil, err
	}
	before := w.counter.Written()
	resp, err := client.Pull(tb.Context(), &securelabv1.PullRequest{})
	return w.counter.Written() - before, resp, err
}

// TestCompression: step 6, the counting listener measures the wire, and
// gzip shrinks a realistic replication batch to well under half.
func TestCompression[L Counter](t *testing.T, compressed func() grpc.DialOption, newCounting func(net.Listener) L) {
	w := startWire(t, newCounting, 500)
	if w.counter.Written() < 0 {
		w.stop()
		step6.Check(t, labkit.TODO("CountingListener"))
	}
	plainClient, closePlain := w.dial(t)
	gzipClient, closeGzip := w.dial(t, compressed())

	plain, plainResp, err := w.pullCost(t, plainClient)
	step6.Require(t, err)
	zipped, gzipResp, err := w.pullCost(t, gzipClient)
	step6.Require(t, err)
	closePlain()
	closeGzip()
	w.stop()

	if !proto.Equal(plainResp, gzipResp) || len(plainResp.GetRecords()) != 500 {
		t.Fatalf("the gzip call returned different records (%d vs %d); compression must be invisible to the caller", len(gzipResp.GetRecords()), len(plainResp.GetRecords()))
	}
	size := int64(proto.Size(plainResp))
	t.Logf("500 records: %d bytes as protobuf; on the wire (TLS) %d bytes plain, %d bytes gzip (%.0f%%)", size, plain, zipped, 100*float64(zipped)/float64(plain))
	if plain < size || plain > size+size/10+4096 {
		t.Errorf("uncompressed Pull wrote %d bytes; want a little more than the %d-byte message (frames and TLS records add a few %%): is Written counting the right bytes?", plain, size)
	}
	if zipped*2 >= plain {
		t.Errorf("with Compressed(): %d bytes on the wire vs %d without; want less than half for this text-heavy batch (is gzip on for the call?)", zipped, plain)
	}
	// The lab's totals match the suite's own count of the same connections,
	// now that the server has stopped and nothing moves.
	if w.counter.Read() != w.probe.read.Load() || w.counter.Written() != w.probe.written.Load() {
		t.Errorf("Read/Written = %d/%d; the suite counted %d/%d on the same connections", w.counter.Read(), w.counter.Written(), w.probe.read.Load(), w.probe.written.Load())
	}
}

// BenchmarkPull: what gzip saves on the wire and costs in time, per Pull
// of 500 records over TLS on loopback. wire-B/op is bytes from server to client.
func BenchmarkPull[L Counter](b *testing.B, compressed func() grpc.DialOption, newCounting func(net.Listener) L) {
	for _, mode := range []string{"identity", "gzip"} {
		b.Run("mode="+mode, func(b *testing.B) {
			w := startWire(b, newCounting, 500)
			defer w.stop()
			var opts []grpc.DialOption
			if mode == "gzip" {
				opts = append(opts, compressed())
			}
			client, closeConn := w.dial(b, opts...)
			defer closeConn()
			if _, _, err := w.pullCost(b, client); err != nil {
				step6.Require(b, err) // a TODO says which step; in CI mode it skips
			}
			before := w.counter.Written()
			b.ResetTimer()
			for b.Loop() {
				if _, err := client.Pull(b.Context(), &securelabv1.PullRequest{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(w.counter.Written()-before)/float64(b.N), "wire-B/op")
		})
	}
}
