package solution

import (
	"context"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	ledgerv1 "github.com/grpclabs/labs/ch05-interview/gen/ledger/v1"
)

// account is one balance and the channels of its watchers.
type account struct {
	name     string
	mu       sync.Mutex
	balance  int64
	watchers map[chan int64]struct{}
}

// Ledger is LedgerService without the incident's two bugs.
type Ledger struct {
	ledgerv1.UnimplementedLedgerServiceServer
	accounts map[string]*account // fixed at construction: read without a lock
}

// NewLedger opens accounts with the given balances.
func NewLedger(balances map[string]int64) *Ledger {
	l := &Ledger{accounts: map[string]*account{}}
	for name, b := range balances {
		l.accounts[name] = &account{name: name, balance: b, watchers: map[chan int64]struct{}{}}
	}
	return l
}

// Transfer implements LedgerService. Two rules keep it from deadlocking:
//
//   - lock order: both accounts are locked in one global order (by name),
//     so a transfer A to B and one B to A cannot each hold the lock the
//     other waits for;
//   - no re-locking: everything the error message needs is read while the
//     locks are held, instead of calling Balance, which would lock the
//     sender again: sync.Mutex is not reentrant, so that waits forever.
func (l *Ledger) Transfer(ctx context.Context, req *ledgerv1.TransferRequest) (*ledgerv1.TransferResponse, error) {
	from, to := l.accounts[req.GetFrom()], l.accounts[req.GetTo()]
	switch {
	case from == nil || to == nil:
		return nil, status.Errorf(codes.NotFound, "no account %q or %q", req.GetFrom(), req.GetTo())
	case from == to:
		return nil, status.Error(codes.InvalidArgument, "cannot transfer to the same account")
	case req.GetAmount() <= 0:
		return nil, status.Errorf(codes.InvalidArgument, "amount %d must be positive", req.GetAmount())
	}
	first, second := from, to
	if second.name < first.name {
		first, second = second, first
	}
	first.mu.Lock()
	defer first.mu.Unlock()
	second.mu.Lock()
	defer second.mu.Unlock()
	if from.balance < req.GetAmount() {
		return nil, status.Errorf(codes.FailedPrecondition, "%s has %d, cannot send %d", from.name, from.balance, req.GetAmount())
	}
	from.balance -= req.GetAmount()
	to.balance += req.GetAmount()
	from.publish()
	to.publish()
	return &ledgerv1.TransferResponse{FromBalance: from.balance}, nil
}

// Balance implements LedgerService.
func (l *Ledger) Balance(_ context.Context, req *ledgerv1.BalanceRequest) (*ledgerv1.BalanceResponse, error) {
	a := l.accounts[req.GetAccount()]
	if a == nil {
		return nil, status.Errorf(codes.NotFound, "no account %q", req.GetAccount())
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return &ledgerv1.BalanceResponse{Account: a.name, Balance: a.balance}, nil
}

// publish offers every watcher the new balance. The caller holds a.mu. A
// full slot holds an older balance the watcher has not taken yet: replace
// it, so nobody blocks while holding the lock.
func (a *account) publish() {
	for w := range a.watchers {
		select {
		case <-w:
		default:
		}
		w <- a.balance
	}
}
