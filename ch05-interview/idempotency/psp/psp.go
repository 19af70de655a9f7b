// Package psp is the card processor the payment service calls: a real
// gRPC GatewayService that moves money once per key, as real processors
// honour an idempotency key of their own. Tests tell it to fail the way
// networks and processors do: down, a lost answer, a declined card, a call
// that hangs.
package psp

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	paymentv1 "github.com/grpclabs/labs/ch05-interview/gen/payment/v1"
)

// Fault is what the next Debit does instead of answering normally.
type Fault int

const (
	// Down: Unavailable, no money moved.
	Down Fault = iota + 1
	// Lost: the money moves, but the answer is lost: Unavailable.
	Lost
	// Declined: FailedPrecondition, no money moved; the key remembers it.
	Declined
	// Hang: the money moves, then the call blocks until Release (or its
	// context ends): a processor, or a network, that stops answering.
	Hang
)

// Gateway is the processor.
type Gateway struct {
	paymentv1.UnimplementedGatewayServiceServer
	mu       sync.Mutex
	byKey    map[string]result
	faults   []Fault
	calls    int
	debits   int
	released chan struct{}
}

type result struct {
	chargeID string
	declined bool
	amount   int64
	customer string
}

// New returns a processor with nothing charged.
func New() *Gateway { return &Gateway{byKey: map[string]result{}, released: make(chan struct{})} }

// Inject queues faults for the next Debit calls, one each.
func (g *Gateway) Inject(f ...Fault) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.faults = append(g.faults, f...)
}

// Release lets every hanging Debit return.
func (g *Gateway) Release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.released:
	default:
		close(g.released)
	}
}

// Calls is how many Debit calls arrived; Debits how many moved money.
func (g *Gateway) Calls() int { g.mu.Lock(); defer g.mu.Unlock(); return g.calls }

// Debits is how many times money moved (a repeated key moves none).
func (g *Gateway) Debits() int { g.mu.Lock(); defer g.mu.Unlock(); return g.debits }

// Debit implements GatewayService.
func (g *Gateway) Debit(ctx context.Context, req *paymentv1.DebitRequest) (*paymentv1.DebitResponse, error) {
	if req.GetKey() == "" || req.GetAmountCents() <= 0 {
		return nil, status.Error(codes.InvalidArgument, "psp: a key and a positive amount are required")
	}
	g.mu.Lock()
	g.calls++
	var fault Fault
	if len(g.faults) > 0 {
		fault, g.faults = g.faults[0], g.faults[1:]
	}
	if fault == Down {
		g.mu.Unlock()
		return nil, status.Error(codes.Unavailable, "psp: connection refused")
	}
	r, seen := g.byKey[req.GetKey()]
	switch {
	case seen && (r.amount != req.GetAmountCents() || r.customer != req.GetCustomer()):
		g.mu.Unlock()
		return nil, status.Error(codes.InvalidArgument, "psp: key reused with other parameters")
	case !seen && fault == Declined:
		r = result{declined: true, amount: req.GetAmountCents(), customer: req.GetCustomer()}
		g.byKey[req.GetKey()] = r
	case !seen:
		g.debits++
		r = result{chargeID: fmt.Sprintf("ch_%04d", g.debits), amount: req.GetAmountCents(), customer: req.GetCustomer()}
		g.byKey[req.GetKey()] = r
	}
	released := g.released
	g.mu.Unlock()
	switch fault {
	case Lost:
		return nil, status.Error(codes.Unavailable, "psp: connection reset")
	case Hang:
		select {
		case <-released:
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	if r.declined {
		return nil, status.Error(codes.FailedPrecondition, "psp: card declined")
	}
	return &paymentv1.DebitResponse{ChargeId: r.chargeID}, nil
}
