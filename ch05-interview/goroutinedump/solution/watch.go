package solution

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	ledgerv1 "github.com/grpclabs/labs/ch05-interview/gen/ledger/v1"
)

// Watch implements LedgerService. The handler goroutine does the sending
// itself, so there is no second goroutine to leak, and it unsubscribes on
// every way out: the deferred removal runs when the client cancels, when a
// Send fails, and when the server stops.
func (l *Ledger) Watch(req *ledgerv1.BalanceRequest, stream ledgerv1.LedgerService_WatchServer) error {
	a := l.accounts[req.GetAccount()]
	if a == nil {
		return status.Errorf(codes.NotFound, "no account %q", req.GetAccount())
	}
	// One slot: publish never blocks, and a watcher that falls behind sees
	// the latest balance, not every one in between.
	updates := make(chan int64, 1)
	a.mu.Lock()
	a.watchers[updates] = struct{}{}
	updates <- a.balance
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.watchers, updates)
		a.mu.Unlock()
	}()
	ctx := stream.Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case b := <-updates:
			if err := stream.Send(&ledgerv1.BalanceResponse{Account: a.name, Balance: b}); err != nil {
				return err
			}
		}
	}
}
