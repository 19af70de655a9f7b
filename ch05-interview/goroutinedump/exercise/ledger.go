package exercise

import (
	"context"

	ledgerv1 "github.com/grpclabs/labs/ch05-interview/gen/ledger/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Ledger is LedgerService without the incident's bugs. Start from the
// shipped code in ../incident/ledger.go: copy it here and fix what the
// dump showed you.
type Ledger struct {
	ledgerv1.UnimplementedLedgerServiceServer
	// Step 3: your accounts.
}

// NewLedger opens accounts with the given balances.
//
// Step 3.
func NewLedger(balances map[string]int64) *Ledger {
	return &Ledger{}
}

// Transfer implements LedgerService: NotFound for an unknown account,
// InvalidArgument for a non-positive amount or from == to,
// FailedPrecondition (with the balance in the message) for more than the
// sender has. It must never deadlock, whatever the requests.
//
// Step 3.
func (l *Ledger) Transfer(ctx context.Context, req *ledgerv1.TransferRequest) (*ledgerv1.TransferResponse, error) {
	return nil, labkit.TODO("Ledger.Transfer")
}

// Balance implements LedgerService.
//
// Step 3.
func (l *Ledger) Balance(ctx context.Context, req *ledgerv1.BalanceRequest) (*ledgerv1.BalanceResponse, error) {
	return nil, labkit.TODO("Ledger.Balance")
}
