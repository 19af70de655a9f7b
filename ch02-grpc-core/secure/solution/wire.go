package solution

import (
	"net"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding/gzip" // importing it also registers gzip with grpc
)

// Compressed makes every call on a connection send its messages gzipped,
// and so ask the server to answer the same way. The server needs nothing
// but the gzip package linked in (its init registers the codec).
func Compressed() grpc.DialOption {
	return grpc.WithDefaultCallOptions(grpc.UseCompressor(gzip.Name))
}

// CountingListener counts the bytes that cross the connections it
// accepts: after TLS, so it measures what the network really carries.
type CountingListener struct {
	net.Listener
	read, written atomic.Int64
}

// NewCountingListener wraps l.
func NewCountingListener(l net.Listener) *CountingListener { return &CountingListener{Listener: l} }

// Accept wraps each connection so its traffic is counted.
func (l *CountingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, l: l}, nil
}

// Read is the number of bytes the server has read from clients so far.
func (l *CountingListener) Read() int64 { return l.read.Load() }

// Written is the number of bytes the server has written to clients so far.
func (l *CountingListener) Written() int64 { return l.written.Load() }

type countingConn struct {
	net.Conn
	l *CountingListener
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.l.read.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	// Counted before the write: a client may hold these bytes before Write
	// returns, and a reader of Written must already see them.
	c.l.written.Add(int64(len(p)))
	n, err := c.Conn.Write(p)
	c.l.written.Add(int64(n - len(p))) // take back what was not written
	return n, err
}
