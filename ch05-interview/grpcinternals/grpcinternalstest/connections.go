package grpcinternalstest

import (
	"net"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/grpc"

	probev1 "github.com/grpclabs/labs/ch05-interview/gen/probe/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// newClient calls the lab's NewClient, handing a TODO to step 1; the
// connection closes with the test.
func newClient(t *testing.T, l Lab, policy string, addrs []string, opts ...grpc.DialOption) probev1.ProbeServiceClient {
	t.Helper()
	cc, err := l.NewClient(policy, addrs, opts...)
	step1.Require(t, err)
	t.Cleanup(func() { cc.Close() })
	return probev1.NewProbeServiceClient(cc)
}

// who calls Whoami, waiting for a ready connection.
func who(t *testing.T, c probev1.ProbeServiceClient) string {
	t.Helper()
	resp, err := c.Whoami(t.Context(), &probev1.WhoamiRequest{}, grpc.WaitForReady(true))
	if err != nil {
		t.Fatalf("Whoami: %v", err)
	}
	return resp.GetBackend()
}

// spread makes n calls and counts the answers by backend.
func spread(t *testing.T, c probev1.ProbeServiceClient, n int) map[string]int {
	t.Helper()
	got := map[string]int{}
	for range n {
		got[who(t, c)]++
	}
	return got
}

func loopbackBackends(t *testing.T, n int) ([]*backend, []string) {
	var bs []*backend
	var addrs []string
	for i := range n {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		b := startBackend(t, "b"+string(rune('0'+i)), lis)
		bs = append(bs, b)
		addrs = append(addrs, lis.Addr().String())
	}
	return bs, addrs
}

func accepts(bs []*backend) []int64 {
	var out []int64
	for _, b := range bs {
		out = append(out, b.lis.accepts.Load())
	}
	return out
}

func dials(bs []*backend) []int64 {
	var out []int64
	for _, b := range bs {
		out = append(out, b.dials.Load())
	}
	return out
}

// TestConnections: step 1, how many TCP connections one ClientConn opens
// to three backends, and who gets the calls, under pick_first and
// round_robin.
func TestConnections(t *testing.T, l Lab) {
	t.Run("pick_first", func(t *testing.T) {
		bs, addrs := loopbackBackends(t, 3)
		c := newClient(t, l, "pick_first", addrs)
		if got := spread(t, c, 30); got["b0"] != 30 {
			t.Errorf("pick_first spread 30 calls as %v; want all on the first address, b0", got)
		}
		a := accepts(bs)
		t.Logf("pick_first, 3 backends on loopback TCP: accepted connections %v", a)
		if a[0] != 1 {
			t.Errorf("b0 accepted %d connections, want 1", a[0])
		}
		// Happy eyeballs: had b0 taken more than 250ms to connect (a loaded
		// machine), pick_first would also have tried b1; it keeps only one.
		if a[1] > 1 || a[2] > 0 {
			t.Errorf("accepts %v: pick_first connects to the first address, and to the next only if that one is slow", a)
		}
		bs[0].stop()
		// A call caught on the connection as it breaks fails (Unavailable);
		// the next ones go to b1.
		deadline := time.Now().Add(guard)
		for {
			resp, err := c.Whoami(t.Context(), &probev1.WhoamiRequest{}, grpc.WaitForReady(true))
			if err == nil && resp.GetBackend() == "b1" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after b0 stopped, calls never moved to b1 (last: %v, %v)", resp.GetBackend(), err)
			}
		}
		if got := spread(t, c, 10); got["b1"] != 10 {
			t.Errorf("after b0 stopped, 10 calls went %v; want all to b1, the next address", got)
		}
	})
	t.Run("round_robin", func(t *testing.T) {
		bs, addrs := loopbackBackends(t, 3)
		c := newClient(t, l, "round_robin", addrs)
		// round_robin picks among READY connections only: until all three
		// have connected, the first ones get more. Wait until all answered.
		seen := map[string]bool{}
		for tries := 0; len(seen) < 3; tries++ {
			if tries > 10_000 {
				t.Fatalf("after 10000 calls only %v answered", seen)
			}
			seen[who(t, c)] = true
		}
		if got := spread(t, c, 30); got["b0"] != 10 || got["b1"] != 10 || got["b2"] != 10 {
			t.Errorf("round_robin spread 30 calls over 3 ready backends as %v; want 10 each", got)
		}
		a := accepts(bs)
		t.Logf("round_robin, 3 backends on loopback TCP: accepted connections %v", a)
		if a[0] != 1 || a[1] != 1 || a[2] != 1 {
			t.Errorf("accepts %v; round_robin keeps one connection to every backend", a)
		}
	})
	t.Run("unknown policy", func(t *testing.T) {
		cc, err := l.NewClient("no_such_policy", []string{"127.0.0.1:1"})
		if step1.Check(t, err) == nil {
			cc.Close()
			t.Error("NewClient with an unregistered policy succeeded; grpc.NewClient rejects the service config, return that error")
		}
	})
	// On a fake clock: exact counts, and pick_first's 250ms.
	probeBubble(t, func() error { cc, err := l.NewClient("pick_first", []string{"x"}); closeIf(cc); return err }, step1)
	labkit.Bubble(t, func(t *testing.T) {
		bs, dial := bufBackends(t, 3)
		c := newClient(t, l, "pick_first", names(bs), dial)
		who(t, c)
		if d := dials(bs); d[0] != 1 || d[1] != 0 || d[2] != 0 {
			t.Errorf("pick_first dialled %v; want only b0, once", d)
		}
		rr := newClient(t, l, "round_robin", names(bs), dial)
		who(t, rr)
		synctest.Wait()
		if d := dials(bs); d[0] != 2 || d[1] != 1 || d[2] != 1 {
			t.Errorf("after a round_robin ClientConn connected too, dials are %v; want one more to each backend", d)
		}
		// A first backend that never completes its handshake.
		bs[0].hold.Store(true)
		slow := newClient(t, l, "pick_first", names(bs), dial)
		start := time.Now()
		if got := who(t, slow); got != "b1" {
			t.Errorf("with b0 hanging, the call went to %s, want b1", got)
		}
		if waited := time.Since(start); waited != 250*time.Millisecond {
			t.Errorf("with b0 hanging, pick_first reached b1 after %v; happy eyeballs (gRFC A61) starts the next address after 250ms", waited)
		}
	})
}

func closeIf(cc *grpc.ClientConn) {
	if cc != nil {
		cc.Close()
	}
}

// probeBubble stops the test with step's TODO before a bubble starts: a
// skip inside one reads as a pass.
func probeBubble(t *testing.T, try func() error, step labkit.Step) {
	t.Helper()
	step.Check(t, try())
}
