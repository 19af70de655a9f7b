package exercise

import (
	"context"
	"database/sql"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	paymentv1 "github.com/grpclabs/labs/ch05-interview/gen/payment/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Config is the service's wiring.
type Config struct {
	DB      *sql.DB
	Gateway paymentv1.GatewayServiceClient
	// Now is the clock (nil: time.Now); Lease how long one attempt holds
	// a key before another may take it over.
	Now   func() time.Time
	Lease time.Duration
}

// Server is PaymentService.
type Server struct {
	paymentv1.UnimplementedPaymentServiceServer
	keys *Keys
	gw   paymentv1.GatewayServiceClient
	now  func() time.Time
}

// NewServer returns the service for cfg.
func NewServer(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Server{keys: NewKeys(cfg.DB, cfg.Now, cfg.Lease), gw: cfg.Gateway, now: cfg.Now}
}

// Charge implements PaymentService, at most one charge per key:
//
//  1. check the request, claim the key: Mismatch is INVALID_ARGUMENT,
//     Busy ABORTED, Done a replay (the stored response with replayed set,
//     or the stored error);
//  2. Debit through the gateway with the same key;
//  3. charged: Complete with the response and, in the same transaction,
//     the row in charges; declined (FAILED_PRECONDITION or
//     INVALID_ARGUMENT from the gateway): Complete with that error;
//     anything else: the outcome is unknown (step 3).
//
// Step 2; step 3 handles the unknown outcomes.
func (s *Server) Charge(ctx context.Context, req *paymentv1.ChargeRequest) (*paymentv1.ChargeResponse, error) {
	if err := check(req); err != nil {
		return nil, err
	}
	return nil, labkit.TODO("Server.Charge")
}

// check validates what the client sent.
func check(req *paymentv1.ChargeRequest) error {
	switch k := req.GetIdempotencyKey(); {
	case k == "" || len(k) > 64:
		return status.Error(codes.InvalidArgument, "idempotency_key must be 1 to 64 characters")
	case req.GetCustomer() == "":
		return status.Error(codes.InvalidArgument, "customer is required")
	case req.GetAmountCents() <= 0:
		return status.Error(codes.InvalidArgument, "amount_cents must be positive")
	case len(req.GetCurrency()) != 3:
		return status.Error(codes.InvalidArgument, "currency must be a three-letter ISO 4217 code")
	}
	return nil
}
