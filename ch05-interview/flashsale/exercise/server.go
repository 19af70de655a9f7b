// Package exercise is your copy of the flashsale drill: a gRPC service
// that sells N items to thousands of concurrent buyers without selling one
// twice or losing one, five ways. See ../README.md for the steps.
package exercise

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch05-interview/flashsale/sale"
	flashsalev1 "github.com/grpclabs/labs/ch05-interview/gen/flashsale/v1"
	"github.com/grpclabs/labs/scripts/labkit"
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

// Buy: an empty buyer is InvalidArgument; a gate that does not Allow the
// request is ResourceExhausted (before the stock is touched); then
// s.stock.Take: SOLD with the order id, or SOLD_OUT; a Take error goes
// through toStatus.
//
// Step 1.
func (s *Server) Buy(ctx context.Context, req *flashsalev1.BuyRequest) (*flashsalev1.BuyResponse, error) {
	return nil, labkit.TODO("Server.Buy")
}

// Stock reports s.stock.Left.
//
// Step 1.
func (s *Server) Stock(ctx context.Context, _ *flashsalev1.StockRequest) (*flashsalev1.StockResponse, error) {
	return nil, labkit.TODO("Server.Stock")
}

// toStatus keeps a context's own code and hides other errors' details
// behind Internal.
func toStatus(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return status.FromContextError(err).Err()
	}
	return status.Errorf(codes.Internal, "stock: %v", err)
}
