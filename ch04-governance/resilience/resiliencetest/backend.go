package resiliencetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	ordersv1 "github.com/grpclabs/labs/ch04-governance/gen/orders/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// inventory is the backend the suite calls: an InventoryService whose
// answers the test scripts, and which counts every call that reaches it,
// so "the breaker failed fast without touching the network" is a number.
type inventory struct {
	ordersv1.UnimplementedInventoryServiceServer
	reserves, watches atomic.Int32

	mu     sync.Mutex
	answer func(ctx context.Context) error // Reserve's answer; nil: succeed
	// streamErr, when set, ends WatchStock after its first message.
	streamErr error
}

func (s *inventory) set(answer func(ctx context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answer = answer
}

func (s *inventory) fail(c codes.Code) {
	s.set(func(context.Context) error { return status.Error(c, "scripted "+c.String()) })
}

func (s *inventory) heal() { s.set(nil) }

func (s *inventory) current() func(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answer
}

func (s *inventory) Reserve(ctx context.Context, req *ordersv1.ReserveRequest) (*ordersv1.ReserveResponse, error) {
	s.reserves.Add(1)
	if a := s.current(); a != nil {
		if err := a(ctx); err != nil {
			return nil, err
		}
	}
	return &ordersv1.ReserveResponse{Left: 10}, nil
}

func (s *inventory) WatchStock(req *ordersv1.WatchStockRequest, stream grpc.ServerStreamingServer[ordersv1.StockLevel]) error {
	s.watches.Add(1)
	for i := range req.GetCount() {
		if err := stream.Send(&ordersv1.StockLevel{Item: req.GetItem(), Left: i}); err != nil {
			return err
		}
		s.mu.Lock()
		err := s.streamErr
		s.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

func registerInventory(g *grpc.Server, inv *inventory) {
	ordersv1.RegisterInventoryServiceServer(g, inv)
}

func newInventoryClient(cc *grpc.ClientConn) ordersv1.InventoryServiceClient {
	return ordersv1.NewInventoryServiceClient(cc)
}

// serveInventory starts an inventory with the given server and client options.
func serveInventory(t *testing.T, tr labkit.Transport, o labkit.Options) (*inventory, ordersv1.InventoryServiceClient, *labkit.Server) {
	t.Helper()
	inv := &inventory{}
	s := labkit.Serve(t, tr, func(g *grpc.Server) { registerInventory(g, inv) }, o)
	return inv, newInventoryClient(s.Conn), s
}
