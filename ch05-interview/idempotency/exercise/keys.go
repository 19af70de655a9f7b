// Package exercise is your copy of the idempotency drill: a payment API
// whose retries and concurrent duplicates charge exactly once. README.md
// walks you through it, step by step; package store opens the database
// and package psp is the card processor.
package exercise

import (
	"context"
	"database/sql"
	"time"

	paymentv1 "github.com/grpclabs/labs/ch05-interview/gen/payment/v1"
	"github.com/grpclabs/labs/ch05-interview/idempotency/store"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Fingerprint identifies what a request asks for, apart from its key: the
// SHA-256 of its deterministic protobuf encoding with the key cleared
// (work on a copy: proto.Clone).
//
// Step 1. Until you write it, it returns nil.
func Fingerprint(req *paymentv1.ChargeRequest) []byte {
	return nil
}

// Kind, Claim and ErrLostKey are the keys table's vocabulary (package store).
type (
	Kind  = store.Kind
	Claim = store.Claim
)

const (
	New      = store.New
	Done     = store.Done
	Busy     = store.Busy
	Mismatch = store.Mismatch
)

// ErrLostKey means another attempt took the key over.
var ErrLostKey = store.ErrLostKey

// Keys is the idempotency_keys table (store.Schema says what each column
// holds).
type Keys struct {
	db    *sql.DB
	now   func() time.Time
	lease time.Duration
}

// NewKeys returns Keys on db, reading the clock now, giving each attempt
// lease to finish before another may take over.
func NewKeys(db *sql.DB, now func() time.Time, lease time.Duration) *Keys {
	return &Keys{db: db, now: now, lease: lease}
}

// Claim looks key up and, in the same transaction, takes it for this
// attempt when no other may be working on it:
//
//   - no row: insert it, started, attempt 1, leased until now+lease: New;
//   - another fingerprint: Mismatch;
//   - done: Done, with the stored response, code and message;
//   - started and leased into the future: Busy;
//   - started and not leased (released, or the lease passed): take it
//     over with the next attempt number and a new lease: New.
//
// Step 1.
func (k *Keys) Claim(ctx context.Context, key string, fp []byte) (Claim, error) {
	return Claim{}, labkit.TODO("Keys.Claim")
}

// Complete stores the outcome of attempt (done, response, code, message,
// no lease) and runs effect in the same transaction, only if attempt still
// holds the key (else ErrLostKey, and nothing is written).
//
// Step 1.
func (k *Keys) Complete(ctx context.Context, key string, attempt int64, response []byte, code int, message string, effect func(*sql.Tx) error) error {
	return labkit.TODO("Keys.Complete")
}

// Release drops attempt's lease without an outcome, so a retry may take
// the key at once (ErrLostKey if attempt no longer holds it).
//
// Step 1.
func (k *Keys) Release(ctx context.Context, key string, attempt int64) error {
	return labkit.TODO("Keys.Release")
}
