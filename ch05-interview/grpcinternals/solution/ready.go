package solution

import (
	"context"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
)

// Backoff is the reconnect schedule NewReadyClient uses: 100ms, then 1.6
// times longer each time, no jitter, so a test on a fake clock knows the
// instant of every attempt. grpc-go's default is 1s base, 1.6x, 20%
// jitter, 120s at most (backoff.DefaultConfig).
var Backoff = backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, MaxDelay: 5 * time.Second}

// NewReadyClient returns a ClientConn to target through dial, reconnecting
// on Backoff, whose calls wait for a ready connection (instead of failing
// fast) when waitForReady is set.
//
// Without WaitForReady, a call made while the channel is in
// TRANSIENT_FAILURE (the last connection attempt failed) fails at once
// with Unavailable: the fail-fast default. With it, the call waits through
// reconnect attempts until one succeeds or the call's deadline passes
// (DeadlineExceeded).
func NewReadyClient(target string, dial func(context.Context, string) (net.Conn, error), waitForReady bool) (*grpc.ClientConn, error) {
	return grpc.NewClient(target,
		grpc.WithContextDialer(dial),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: Backoff, MinConnectTimeout: time.Second}),
		grpc.WithDefaultCallOptions(grpc.WaitForReady(waitForReady)),
	)
}
