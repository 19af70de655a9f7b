package exercise

import (
	"context"
	"net"

	"google.golang.org/grpc"

	"github.com/grpclabs/labs/scripts/labkit"
)

// Compressed makes every call on a connection send its messages gzipped.
//
// Step 6: look at google.golang.org/grpc/encoding/gzip and grpc.UseCompressor.
func Compressed() grpc.DialOption {
	// Until then: every call fails with the TODO signal.
	return grpc.WithUnaryInterceptor(func(context.Context, string, any, any, *grpc.ClientConn, grpc.UnaryInvoker, ...grpc.CallOption) error {
		return labkit.TODO("Compressed")
	})
}

// CountingListener counts the bytes that cross the connections it
// accepts: after TLS, so it measures what the network really carries.
type CountingListener struct {
	net.Listener
}

// NewCountingListener wraps l.
func NewCountingListener(l net.Listener) *CountingListener { return &CountingListener{Listener: l} }

// Accept wraps each connection so its traffic is counted.
//
// Step 6: return a net.Conn whose Read and Write add to the listener's
// totals; many connections count at once.
func (l *CountingListener) Accept() (net.Conn, error) {
	return l.Listener.Accept()
}

// Read is the number of bytes the server has read from clients so far
// (-1 until step 6).
func (l *CountingListener) Read() int64 { return -1 }

// Written is the number of bytes the server has written to clients so far
// (-1 until step 6).
func (l *CountingListener) Written() int64 { return -1 }
