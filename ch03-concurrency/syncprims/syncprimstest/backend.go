package syncprimstest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	syncprimsv1 "github.com/grpclabs/labs/ch03-concurrency/gen/syncprims/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// LoadFunc is the lab's loader type (an alias in both packages).
type LoadFunc = func(ctx context.Context, key string) (string, error)

// backend is the counting BackendService every cache test reads through.
// A Fetch for a gated key reports itself on entered and then waits until
// the key's gate opens (or its own context ends), so a test can hold calls
// in flight and count them.
type backend struct {
	syncprimsv1.UnimplementedBackendServiceServer
	data    map[string]string
	calls   atomic.Int64
	gates   map[string]*gate // read-only after newBackend
	entered chan string      // buffered; gated keys only
	// cancelled counts Fetch calls whose context had ended by the time the
	// gate opened: a caller's cancellation reached the shared load.
	cancelled atomic.Int64
}

type gate struct {
	ch   chan struct{}
	once sync.Once
}

func newBackend(gated ...string) *backend {
	b := &backend{
		data:    map[string]string{"a": "A", "b": "B", "c": "C", "d": "D", "k": "K", "slow": "SLOW", "hot": "HOT"},
		gates:   map[string]*gate{},
		entered: make(chan string, 256),
	}
	for _, k := range gated {
		b.gates[k] = &gate{ch: make(chan struct{})}
	}
	return b
}

// open lets every waiting and future Fetch of key through; idempotent.
func (b *backend) open(key string) {
	g := b.gates[key]
	g.once.Do(func() { close(g.ch) })
}

// openAll opens every gate; tests defer it so nothing is left waiting.
func (b *backend) openAll() {
	for k := range b.gates {
		b.open(k)
	}
}

func (b *backend) Fetch(ctx context.Context, req *syncprimsv1.FetchRequest) (*syncprimsv1.FetchResponse, error) {
	b.calls.Add(1)
	if g, ok := b.gates[req.GetKey()]; ok {
		b.entered <- req.GetKey()
		select {
		case <-g.ch:
		case <-ctx.Done():
			b.cancelled.Add(1)
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	v, ok := b.data[req.GetKey()]
	if !ok {
		// The message leaves the key out on purpose: GetMany must name it.
		return nil, status.Error(codes.NotFound, "no such key")
	}
	return &syncprimsv1.FetchResponse{Value: v}, nil
}

// serveBackend serves b on tr and returns a LoadFunc that calls it over gRPC.
func serveBackend(t testing.TB, tr labkit.Transport, b *backend) LoadFunc {
	s := labkit.Serve(t, tr, func(g *grpc.Server) { syncprimsv1.RegisterBackendServiceServer(g, b) }, labkit.Options{})
	client := syncprimsv1.NewBackendServiceClient(s.Conn)
	return func(ctx context.Context, key string) (string, error) {
		resp, err := client.Fetch(ctx, &syncprimsv1.FetchRequest{Key: key})
		if err != nil {
			return "", err
		}
		return resp.GetValue(), nil
	}
}
