// Package solution is the flashsale drill's reference: a gRPC service
// that sells N items to thousands of concurrent buyers without selling
// one twice or losing one, five ways.
package solution

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch05-interview/flashsale/sale"
	flashsalev1 "github.com/grpclabs/labs/ch05-interview/gen/flashsale/v1"
)

// Server is FlashSaleService over a stock, with an optional admission
// gate in front of it.
type Server struct {
	flashsalev1.UnimplementedFlashSaleServiceServer
	stock sale.Stock
	gate  sale.Gate // nil: everyone is admitted
}

// NewServer returns the service selling from stock; gate may be nil.
func NewServer(stock sale.Stock, gate sale.Gate) *Server {
	return &Server{stock: stock, gate: gate}
}

// Buy checks the request, asks the gate, then takes one item.
func (s *Server) Buy(ctx context.Context, req *flashsalev1.BuyRequest) (*flashsalev1.BuyResponse, error) {
	if req.GetBuyer() == "" {
		return nil, status.Error(codes.InvalidArgument, "buyer is required")
	}
	// The gate comes first: a request it turns away costs the stock nothing.
	if s.gate != nil && !s.gate.Allow() {
		return nil, status.Error(codes.ResourceExhausted, "too many buyers right now; nothing was sold, try again later")
	}
	id, ok, err := s.stock.Take(ctx, req.GetBuyer())
	if err != nil {
		return nil, toStatus(err)
	}
	if !ok {
		return &flashsalev1.BuyResponse{Outcome: flashsalev1.Outcome_OUTCOME_SOLD_OUT}, nil
	}
	return &flashsalev1.BuyResponse{Outcome: flashsalev1.Outcome_OUTCOME_SOLD, OrderId: id}, nil
}

// Stock reports what is left.
func (s *Server) Stock(ctx context.Context, _ *flashsalev1.StockRequest) (*flashsalev1.StockResponse, error) {
	n, err := s.stock.Left(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	return &flashsalev1.StockResponse{Left: n}, nil
}

// toStatus keeps a context's own code and hides other errors' details
// behind Internal.
func toStatus(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return status.FromContextError(err).Err()
	}
	return status.Errorf(codes.Internal, "stock: %v", err)
}
