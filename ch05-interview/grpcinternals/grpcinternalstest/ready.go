package grpcinternalstest

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	probev1 "github.com/grpclabs/labs/ch05-interview/gen/probe/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// flaky is a whoami on bufconn whose dialer refuses connections while it
// is down.
type flaky struct {
	down atomic.Bool
	bl   *bufconn.Listener
}

// dialer dials f and remembers when each attempt came, per client.
type dialer struct {
	f        *flaky
	mu       sync.Mutex
	attempts []time.Time
}

func (d *dialer) dial(ctx context.Context, _ string) (net.Conn, error) {
	d.mu.Lock()
	d.attempts = append(d.attempts, time.Now())
	d.mu.Unlock()
	if d.f.down.Load() {
		return nil, errors.New("connection refused")
	}
	return d.f.bl.DialContext(ctx)
}

func (d *dialer) schedule(since time.Time) []time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []time.Duration
	for _, a := range d.attempts {
		out = append(out, a.Sub(since))
	}
	return out
}

// TestWaitForReady: step 4, what WaitForReady changes when the server is
// down, on the bubble's clock: when a call fails, and when it succeeds.
func TestWaitForReady(t *testing.T, l Lab) {
	cc, err := l.NewReadyClient("passthrough:///x", func(context.Context, string) (net.Conn, error) { return nil, errors.New("no") }, false)
	if step4.Check(t, err) != nil {
		t.Fatal(err)
	}
	cc.Close()
	labkit.Bubble(t, func(t *testing.T) {
		f := &flaky{bl: bufconn.Listen(1 << 20)}
		f.down.Store(true)
		startBackend(t, "up", f.bl)
		client := func(wait bool) (probev1.ProbeServiceClient, *dialer) {
			d := &dialer{f: f}
			cc, err := l.NewReadyClient("passthrough:///flaky", d.dial, wait)
			step4.Require(t, err)
			t.Cleanup(func() { cc.Close() })
			return probev1.NewProbeServiceClient(cc), d
		}
		call := func(c probev1.ProbeServiceClient, timeout time.Duration) (codes.Code, time.Duration) {
			ctx, cancel := context.WithTimeout(t.Context(), timeout)
			defer cancel()
			start := time.Now()
			_, err := c.Whoami(ctx, &probev1.WhoamiRequest{})
			return status.Code(err), time.Since(start)
		}

		failFast, _ := client(false)
		if code, took := call(failFast, time.Second); code != codes.Unavailable || took != 0 {
			t.Errorf("without WaitForReady, a call to a server that is down ended with %v after %v; want Unavailable at once (fail fast)", code, took)
		}

		start := time.Now()
		waiting, d := client(true)
		if code, took := call(waiting, time.Second); code != codes.DeadlineExceeded || took != time.Second {
			t.Errorf("with WaitForReady, a call to a server that stays down ended with %v after %v; want DeadlineExceeded at its 1s deadline", code, took)
		}
		// The server comes back 300ms into the next call.
		go func() {
			time.Sleep(300 * time.Millisecond)
			f.down.Store(false)
		}()
		code, took := call(waiting, 10*time.Second)
		attempts := d.schedule(start)
		t.Logf("WaitForReady call with the server back 300ms into it: %v after %v; connection attempts at %v after the client started", code, took, attempts)
		// It succeeds on the first attempt after the server came back (1.3s
		// after the client started), at that instant.
		up := time.Second + 300*time.Millisecond
		var first time.Duration = -1
		for _, a := range attempts {
			if a >= up {
				first = a
				break
			}
		}
		if code != codes.OK || first < 0 || took != first-time.Second {
			t.Errorf("with WaitForReady, when the server came back the call ended with %v after %v; want success at the first connection attempt after it came back (attempts at %v)", code, took, attempts)
		}
		// Between attempts the channel backs off, each wait longer than the last.
		for i := 2; i < len(attempts); i++ {
			if gap, prev := attempts[i]-attempts[i-1], attempts[i-1]-attempts[i-2]; gap <= prev {
				t.Errorf("connection attempts at %v: the gaps should grow (exponential backoff, no jitter)", attempts)
				break
			}
		}
		if len(attempts) < 4 {
			t.Errorf("connection attempts at %v; want several, on the backoff's schedule", attempts)
		}
	})
}
