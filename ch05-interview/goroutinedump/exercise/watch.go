package exercise

import (
	ledgerv1 "github.com/grpclabs/labs/ch05-interview/gen/ledger/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Watch implements LedgerService: the current balance first, then every
// change (a watcher that falls behind may skip to the latest), until the
// client cancels. Nothing may outlive the stream, and a watcher that does
// not read must never stall a Transfer.
//
// Step 4.
func (l *Ledger) Watch(req *ledgerv1.BalanceRequest, stream ledgerv1.LedgerService_WatchServer) error {
	return labkit.TODO("Ledger.Watch")
}
