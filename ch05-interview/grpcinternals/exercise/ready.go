package exercise

import (
	"context"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"

	"github.com/grpclabs/labs/scripts/labkit"
)

// Backoff is the reconnect schedule NewReadyClient uses: 100ms, then 1.6
// times longer each time, no jitter. grpc-go's default is 1s base, 1.6x,
// 20% jitter, 120s at most (backoff.DefaultConfig).
var Backoff = backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, MaxDelay: 5 * time.Second}

// NewReadyClient returns a ClientConn to target through dial (plaintext),
// reconnecting on Backoff, whose calls wait for a ready connection instead
// of failing fast when waitForReady is set.
//
// Step 4: grpc.WithConnectParams, grpc.WithDefaultCallOptions.
func NewReadyClient(target string, dial func(context.Context, string) (net.Conn, error), waitForReady bool) (*grpc.ClientConn, error) {
	return nil, labkit.TODO("NewReadyClient")
}
