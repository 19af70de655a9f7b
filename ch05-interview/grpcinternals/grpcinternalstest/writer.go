package grpcinternalstest

import (
	"bytes"
	"context"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	probev1 "github.com/grpclabs/labs/ch05-interview/gen/probe/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// The functions the answers name, in grpc-go v1.85.
const (
	loopyRun       = "google.golang.org/grpc/internal/transport.(*loopyWriter).run"
	newHTTP2Client = "google.golang.org/grpc/internal/transport.NewHTTP2Client"
)

// tap holds the one tapped connection of a ClientConn.
type tap struct {
	mu sync.Mutex
	c  Tapped
}

func (h *tap) get() Tapped {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.c
}

// dialTapped serves register on bufconn with opts and connects a client
// whose connection goes through the lab's Tap.
func dialTapped(t *testing.T, l Lab, register func(*grpc.Server), opts ...grpc.ServerOption) (*tap, *grpc.ClientConn) {
	t.Helper()
	bl := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(opts...)
	register(srv)
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(bl) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	h := &tap{}
	cc, err := grpc.NewClient("passthrough:///tapped",
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			c, err := bl.DialContext(ctx)
			if err != nil {
				return nil, err
			}
			tc := l.Tap(c)
			h.mu.Lock()
			h.c = tc
			h.mu.Unlock()
			return tc, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return h, cc
}

// goroutineID is the calling goroutine's id.
func goroutineID() int64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _ := strconv.ParseInt(strings.Fields(string(buf))[1], 10, 64)
	return id
}

// requireTap stops the test with step 2's TODO while Tap records nothing
// (outside a bubble: a skip inside one reads as a pass).
func requireTap(t *testing.T, l Lab) {
	t.Helper()
	h, cc := dialTapped(t, l, func(s *grpc.Server) { probev1.RegisterProbeServiceServer(s, &whoami{name: "w"}) })
	if _, err := probev1.NewProbeServiceClient(cc).Whoami(t.Context(), &probev1.WhoamiRequest{}); err != nil {
		t.Fatal(err)
	}
	if len(h.get().Writes()) == 0 {
		step2.Check(t, labkit.TODO("Tapped.Write"))
	}
}

// TestWriter: step 2, which goroutine writes a connection's frames.
func TestWriter(t *testing.T, l Lab) {
	h, cc := dialTapped(t, l, func(s *grpc.Server) { probev1.RegisterProbeServiceServer(s, &whoami{name: "w"}) })
	client := probev1.NewProbeServiceClient(cc)
	for range 3 {
		if _, err := client.Whoami(t.Context(), &probev1.WhoamiRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	me := goroutineID()
	tc := h.get()
	writes := tc.Writes()
	if len(writes) == 0 {
		step2.Check(t, labkit.TODO("Tapped.Write"))
	}
	var loopy int64 = -1
	handshake := 0
	for i, w := range writes {
		if w.Goroutine == me {
			t.Errorf("write %d was made by the goroutine that called Whoami: calls only queue their frames", i)
		}
		switch {
		case slices.Contains(w.Funcs, loopyRun):
			if loopy == -1 {
				loopy = w.Goroutine
			} else if w.Goroutine != loopy {
				t.Errorf("write %d came from goroutine %d, an earlier one from %d: one loopy writer per connection", i, w.Goroutine, loopy)
			}
		case slices.Contains(w.Funcs, newHTTP2Client) && loopy == -1:
			handshake++
		default:
			t.Errorf("write %d (%d bytes) came from goroutine %d with stack %v; want %s for the handshake and %s after it",
				i, len(w.Bytes), w.Goroutine, w.Funcs, newHTTP2Client, loopyRun)
		}
	}
	if loopy == -1 || handshake == 0 {
		t.Fatalf("writes: %d from %s, loopy writer goroutine %d; want the handshake first, then the loopy writer", handshake, newHTTP2Client, loopy)
	}
	t.Logf("%d writes: %d during the handshake (from the goroutine that dialled), %d by the loopy writer, goroutine %d",
		len(writes), handshake, len(writes)-handshake, loopy)
	// The Tap must also keep the bytes themselves, in order. (The loopy
	// writer may have written more since the snapshot: a settings ack, a
	// window update.)
	var all []byte
	for _, w := range writes {
		all = append(all, w.Bytes...)
	}
	if got := tc.Written(); !bytes.HasPrefix(got, all) || !bytes.HasPrefix(got, []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")) {
		t.Errorf("Written() is %d bytes and does not start with the HTTP/2 client preface and the writes' bytes, in order", len(got))
	}
	if len(tc.ReadBytes()) == 0 {
		t.Error("ReadBytes() is empty after three calls were answered: record what Read returns")
	}
}
