package solution

import (
	"context"
	"net"

	"google.golang.org/grpc/credentials"
)

// WatchHandshakes wraps a server's transport credentials so that every
// failed handshake is reported to report. grpc-go only logs these, and a
// client often learns nothing but "EOF": a plaintext client that reaches a
// TLS port, for one, is visible only from the server's side.
func WatchHandshakes(creds credentials.TransportCredentials, report func(remote net.Addr, err error)) credentials.TransportCredentials {
	return &watched{TransportCredentials: creds, report: report}
}

type watched struct {
	credentials.TransportCredentials
	report func(net.Addr, error)
}

func (w *watched) ServerHandshake(conn net.Conn) (net.Conn, credentials.AuthInfo, error) {
	c, info, err := w.TransportCredentials.ServerHandshake(conn)
	if err != nil {
		w.report(conn.RemoteAddr(), err)
	}
	return c, info, err
}

// ClientHandshake is passed through; it is here so the wrapper is complete
// for a reader of this file.
func (w *watched) ClientHandshake(ctx context.Context, authority string, conn net.Conn) (net.Conn, credentials.AuthInfo, error) {
	return w.TransportCredentials.ClientHandshake(ctx, authority, conn)
}

// Clone keeps the wrapper: grpc clones credentials it is given.
func (w *watched) Clone() credentials.TransportCredentials {
	return &watched{TransportCredentials: w.TransportCredentials.Clone(), report: w.report}
}
