package channelstest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	pricev1 "github.com/grpclabs/labs/ch03-concurrency/gen/price/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// backend is a fake price server. It answers after delay (with err, if
// set), and a call whose context ends first is reported on cancelled. Its
// timers are real timers: inside a synctest bubble they run on the
// bubble's fake clock, so "1 second" costs nothing.
type backend struct {
	pricev1.UnimplementedPriceServiceServer
	name      string
	delay     time.Duration
	cents     int64
	err       error
	calls     atomic.Int32
	cancelled chan string // buffered: one entry per call that was cancelled
}

func newBackend(name string, delay time.Duration, cents int64, err error) *backend {
	return &backend{name: name, delay: delay, cents: cents, err: err, cancelled: make(chan string, 16)}
}

// warmup is a sku every fake answers at once, to open connections before
// a goroutine snapshot.
const warmup = "warmup"

func (b *backend) Quote(ctx context.Context, req *pricev1.QuoteRequest) (*pricev1.QuoteResponse, error) {
	if req.GetSku() == warmup {
		return &pricev1.QuoteResponse{Sku: warmup, Backend: b.name}, nil
	}
	b.calls.Add(1)
	t := time.NewTimer(b.delay)
	defer t.Stop()
	select {
	case <-t.C:
		if b.err != nil {
			return nil, b.err
		}
		return &pricev1.QuoteResponse{Sku: req.GetSku(), Cents: b.cents, Backend: b.name}, nil
	case <-ctx.Done():
		b.cancelled <- b.name
		return nil, status.FromContextError(ctx.Err()).Err()
	}
}

// serve starts each fake as its own gRPC server on tr and returns clients,
// in the same order.
func serve(t *testing.T, tr labkit.Transport, fakes ...*backend) []pricev1.PriceServiceClient {
	t.Helper()
	clients := make([]pricev1.PriceServiceClient, len(fakes))
	for i, f := range fakes {
		s := labkit.Serve(t, tr, func(g *grpc.Server) { pricev1.RegisterPriceServiceServer(g, f) }, labkit.Options{})
		clients[i] = pricev1.NewPriceServiceClient(s.Conn)
		// Open the connection now, so connection set-up is not part of
		// what a test measures or of a goroutine snapshot taken later.
		if _, err := clients[i].Quote(t.Context(), &pricev1.QuoteRequest{Sku: warmup}); err != nil {
			t.Fatalf("warm-up call to fake backend %s: %v", f.name, err)
		}
	}
	return clients
}

// wasCancelled waits (on the bubble's fake clock when inside one) until b
// reports a cancelled call, and fails the test if none comes.
func wasCancelled(t *testing.T, b *backend, why string) {
	t.Helper()
	select {
	case <-b.cancelled:
	case <-time.After(time.Minute):
		t.Errorf("backend %s never saw its call cancelled; %s", b.name, why)
	}
}

// noLeaks fails the test if goroutines exist that did not exist when
// before was taken (goleak retries for a while, so goroutines that are
// already on their way out are given time to finish).
func noLeaks(t *testing.T, before goleak.Option, what string) {
	t.Helper()
	if err := goleak.Find(before); err != nil {
		t.Fatalf("%s: goroutines outlived the call:\n%v", what, err)
	}
}

// elapsedIs checks a duration measured on a bubble's fake clock, which is
// exact: a little slack only for the order timers fire in.
func elapsedIs(t *testing.T, got, want time.Duration, why string) {
	t.Helper()
	if got < want || got > want+time.Millisecond {
		t.Errorf("returned after %v, want %v: %s", got, want, why)
	}
}
