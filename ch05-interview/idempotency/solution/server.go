package solution

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	paymentv1 "github.com/grpclabs/labs/ch05-interview/gen/payment/v1"
)

// Config is the service's wiring.
type Config struct {
	DB      *sql.DB
	Gateway paymentv1.GatewayServiceClient
	// Now is the clock (nil: time.Now); Lease how long one attempt holds
	// a key before another may take it over (it must be longer than a
	// call to the gateway can take).
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

// Charge implements PaymentService. It charges at most once per key, and
// every answer for a key (after the first attempt finished) is the same:
//
//  1. claim the key: a finished key is replayed, a key held by a running
//     attempt is ABORTED (retry later), a reused key INVALID_ARGUMENT;
//  2. debit through the gateway with the same key, so that if this
//     attempt dies after the money moved, the next one's debit finds the
//     first charge instead of making a second;
//  3. record the outcome and the charge in one transaction. A definite
//     outcome (charged, or declined) is final and replayed from then on; an
//     unknown one (the gateway did not answer) releases the key for a retry.
func (s *Server) Charge(ctx context.Context, req *paymentv1.ChargeRequest) (*paymentv1.ChargeResponse, error) {
	if err := check(req); err != nil {
		return nil, err
	}
	key := req.GetIdempotencyKey()
	claim, err := s.keys.Claim(ctx, key, Fingerprint(req))
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "payments: %v", err)
	}
	switch claim.Kind {
	case Mismatch:
		return nil, status.Errorf(codes.InvalidArgument, "idempotency key %q was already used for a different charge", key)
	case Busy:
		return nil, status.Errorf(codes.Aborted, "a charge with idempotency key %q is in progress; retry later", key)
	case Done:
		return replay(claim)
	}

	debit, err := s.gw.Debit(ctx, &paymentv1.DebitRequest{
		Key: key, Customer: req.GetCustomer(), AmountCents: req.GetAmountCents(), Currency: req.GetCurrency(),
	})
	switch code := status.Code(err); {
	case err == nil:
	case code == codes.FailedPrecondition || code == codes.InvalidArgument:
		// Definite: the gateway refused, no money moved. Store the refusal.
		st := status.Convert(err)
		if err := s.keys.Complete(ctx, key, claim.Attempt, nil, int(st.Code()), st.Message(), nil); err != nil {
			return nil, status.Errorf(codes.Aborted, "payments: %v", err)
		}
		return nil, st.Err()
	default:
		// Unknown: the money may or may not have moved. Let a retry ask the
		// gateway again with the same key. (Not with ctx: it may be the
		// reason we are here.)
		_ = s.keys.Release(context.WithoutCancel(ctx), key, claim.Attempt)
		return nil, status.Errorf(codes.Unavailable, "payments: the card processor did not answer (%v); retry with the same idempotency key", err)
	}

	resp := &paymentv1.ChargeResponse{ChargeId: debit.GetChargeId(), AmountCents: req.GetAmountCents()}
	body, err := proto.Marshal(resp)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "payments: %v", err)
	}
	// The money has moved: record it even if the caller has gone.
	err = s.keys.Complete(context.WithoutCancel(ctx), key, claim.Attempt, body, int(codes.OK), "", func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO charges (charge_id, key, customer, amount_cents, currency, created) VALUES (?, ?, ?, ?, ?, ?)`,
			resp.GetChargeId(), key, req.GetCustomer(), req.GetAmountCents(), req.GetCurrency(), s.now().UnixMilli())
		return err
	})
	if errors.Is(err, ErrLostKey) {
		// This attempt was too slow: another took the key over and owns the
		// outcome. The gateway's own key made sure it found this charge.
		return nil, status.Errorf(codes.Aborted, "idempotency key %q was taken over by a retry", key)
	}
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "payments: %v", err)
	}
	return resp, nil
}

// replay returns a finished attempt's outcome again.
func replay(c Claim) (*paymentv1.ChargeResponse, error) {
	if codes.Code(c.Code) != codes.OK {
		return nil, status.Error(codes.Code(c.Code), c.Message)
	}
	resp := &paymentv1.ChargeResponse{}
	if err := proto.Unmarshal(c.Response, resp); err != nil {
		return nil, status.Errorf(codes.Internal, "payments: stored response: %v", err)
	}
	resp.Replayed = true
	return resp, nil
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
