// Package incident is the ledger service as it shipped, the one that hung
// in production: the goroutinedump drill's patient. It is given, not
// written by you: read it only after the goroutine dump has told you where
// to look. Two request patterns break it:
//
//   - a transfer of more than the sender has: the request never returns,
//     and every later request touching either account hangs behind it;
//   - a Watch stream the client cancels: its goroutine stays forever.
package incident

import (
	"context"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	ledgerv1 "github.com/grpclabs/labs/ch05-interview/gen/ledger/v1"
)

type account struct {
	mu       sync.Mutex
	balance  int64
	watchers []chan int64
}

// Ledger is the shipped LedgerService.
type Ledger struct {
	ledgerv1.UnimplementedLedgerServiceServer
	accounts map[string]*account
}

// New opens accounts with the given balances.
func New(balances map[string]int64) *Ledger {
	l := &Ledger{accounts: map[string]*account{}}
	for name, b := range balances {
		l.accounts[name] = &account{balance: b}
	}
	return l
}

// Transfer implements LedgerService.
func (l *Ledger) Transfer(ctx context.Context, req *ledgerv1.TransferRequest) (*ledgerv1.TransferResponse, error) {
	from, to := l.accounts[req.GetFrom()], l.accounts[req.GetTo()]
	if from == nil || to == nil {
		return nil, status.Error(codes.NotFound, "no such account")
	}
	from.mu.Lock()
	defer from.mu.Unlock()
	to.mu.Lock()
	defer to.mu.Unlock()
	if from.balance < req.GetAmount() {
		b, _ := l.Balance(ctx, &ledgerv1.BalanceRequest{Account: req.GetFrom()})
		return nil, status.Errorf(codes.FailedPrecondition, "%s has %d, cannot send %d", req.GetFrom(), b.GetBalance(), req.GetAmount())
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
		return nil, status.Error(codes.NotFound, "no such account")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return &ledgerv1.BalanceResponse{Account: req.GetAccount(), Balance: a.balance}, nil
}

// Watch implements LedgerService.
func (l *Ledger) Watch(req *ledgerv1.BalanceRequest, stream ledgerv1.LedgerService_WatchServer) error {
	a := l.accounts[req.GetAccount()]
	if a == nil {
		return status.Error(codes.NotFound, "no such account")
	}
	updates := make(chan int64, 16)
	a.mu.Lock()
	a.watchers = append(a.watchers, updates)
	updates <- a.balance
	a.mu.Unlock()
	go func() {
		for b := range updates {
			stream.Send(&ledgerv1.BalanceResponse{Account: req.GetAccount(), Balance: b})
		}
	}()
	<-stream.Context().Done()
	return nil
}

// publish tells every watcher the new balance. The caller holds a.mu.
func (a *account) publish() {
	for _, w := range a.watchers {
		select {
		case w <- a.balance:
		default: // a slow watcher misses an update rather than stall transfers
		}
	}
}
