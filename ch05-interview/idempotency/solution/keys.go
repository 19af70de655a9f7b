// Package solution is the reference for the idempotency drill: a payment
// API whose retries and concurrent duplicates charge exactly once, with
// idempotency keys in SQLite and a processor that is itself idempotent.
// README.md explains the design.
package solution

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	paymentv1 "github.com/grpclabs/labs/ch05-interview/gen/payment/v1"
	"github.com/grpclabs/labs/ch05-interview/idempotency/store"
)

// Fingerprint identifies what a request asks for, apart from its key: the
// SHA-256 of its deterministic protobuf encoding with the key cleared. A
// key sent again with another fingerprint is a client bug (a reused key),
// not a retry.
func Fingerprint(req *paymentv1.ChargeRequest) []byte {
	c := proto.Clone(req).(*paymentv1.ChargeRequest)
	c.IdempotencyKey = ""
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(c)
	if err != nil {
		panic(err) // a ChargeRequest always marshals
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

// Kind, Claim and ErrLostKey are the keys table's vocabulary.
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

// Keys is the idempotency_keys table.
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

// Claim looks key up and, when no other attempt may be working on it,
// takes it for this one, all in one transaction: the database opens every
// transaction IMMEDIATE (store.DSN), so two claims of a new key are
// serialised and the second reads the first one's row.
func (k *Keys) Claim(ctx context.Context, key string, fp []byte) (Claim, error) {
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return Claim{}, fmt.Errorf("claim %q: %w", key, err)
	}
	defer tx.Rollback() // a no-op after Commit
	now := k.now().UnixMilli()
	var (
		storedFP    []byte
		state       string
		attempt     int64
		lockedUntil sql.NullInt64
		c           Claim
	)
	err = tx.QueryRowContext(ctx,
		`SELECT fingerprint, state, attempt, locked_until, response, code, message FROM idempotency_keys WHERE key = ?`, key).
		Scan(&storedFP, &state, &attempt, &lockedUntil, &c.Response, &c.Code, &c.Message)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = tx.ExecContext(ctx,
			`INSERT INTO idempotency_keys (key, fingerprint, state, attempt, locked_until, created) VALUES (?, ?, 'started', 1, ?, ?)`,
			key, fp, now+k.lease.Milliseconds(), now)
		if err != nil {
			return Claim{}, fmt.Errorf("claim %q: %w", key, err)
		}
		return Claim{Kind: New, Attempt: 1}, commit(tx, key)
	case err != nil:
		return Claim{}, fmt.Errorf("claim %q: %w", key, err)
	case string(storedFP) != string(fp):
		return Claim{Kind: Mismatch}, nil
	case state == "done":
		c.Kind = Done
		return c, nil
	case lockedUntil.Valid && lockedUntil.Int64 > now:
		return Claim{Kind: Busy}, nil
	}
	// Started, but nobody holds it: the last attempt released it or
	// crashed and its lease passed. This attempt takes over.
	if _, err := tx.ExecContext(ctx,
		`UPDATE idempotency_keys SET attempt = attempt + 1, locked_until = ? WHERE key = ?`,
		now+k.lease.Milliseconds(), key); err != nil {
		return Claim{}, fmt.Errorf("claim %q: %w", key, err)
	}
	return Claim{Kind: New, Attempt: attempt + 1}, commit(tx, key)
}

// Complete stores the outcome of attempt and runs effect (the writes the
// outcome implies, such as the charge row) in the same transaction: the
// key is done if and only if its effect is recorded. It fails with
// ErrLostKey when attempt no longer holds the key.
func (k *Keys) Complete(ctx context.Context, key string, attempt int64, response []byte, code int, message string, effect func(*sql.Tx) error) error {
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("complete %q: %w", key, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx,
		`UPDATE idempotency_keys SET state = 'done', response = ?, code = ?, message = ?, locked_until = NULL
		 WHERE key = ? AND attempt = ? AND state = 'started'`,
		response, code, message, key, attempt)
	if err != nil {
		return fmt.Errorf("complete %q: %w", key, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrLostKey
	}
	if effect != nil {
		if err := effect(tx); err != nil {
			return fmt.Errorf("complete %q: %w", key, err)
		}
	}
	return commit(tx, key)
}

// Release gives the key up without an outcome, so that the next retry
// may take it at once: for failures after which nobody knows whether the
// money moved (the processor did not answer). The key stays started: the
// retry must ask the processor again, with the same key, to find out.
func (k *Keys) Release(ctx context.Context, key string, attempt int64) error {
	res, err := k.db.ExecContext(ctx,
		`UPDATE idempotency_keys SET locked_until = NULL WHERE key = ? AND attempt = ? AND state = 'started'`, key, attempt)
	if err != nil {
		return fmt.Errorf("release %q: %w", key, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrLostKey
	}
	return nil
}

func commit(tx *sql.Tx, key string) error {
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit %q: %w", key, err)
	}
	return nil
}
