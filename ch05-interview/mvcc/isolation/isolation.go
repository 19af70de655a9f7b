// Package isolation holds what the mvcc drill's store and a real MariaDB
// server are both measured against: the isolation levels, the transaction
// interface, the read view's fields, and the scripted schedules of two or
// three transactions that show which anomalies each level allows.
//
// The schedules are written once, in a small text format (see [Schedule]),
// and replayed by [Run] on any [Backend]: the learner's store in the suite,
// and MariaDB in this package's own cross-check test. When both agree with
// the expected results, the store behaves like InnoDB on these schedules.
package isolation

import (
	"errors"
	"fmt"
)

// Level is a transaction isolation level.
type Level int

const (
	ReadUncommitted Level = iota + 1
	ReadCommitted
	RepeatableRead
	Serializable
)

// Levels lists every level, weakest first.
var Levels = []Level{ReadUncommitted, ReadCommitted, RepeatableRead, Serializable}

var levelNames = map[Level][2]string{
	ReadUncommitted: {"RU", "READ UNCOMMITTED"},
	ReadCommitted:   {"RC", "READ COMMITTED"},
	RepeatableRead:  {"RR", "REPEATABLE READ"},
	Serializable:    {"SER", "SERIALIZABLE"},
}

// String is the SQL name, e.g. "REPEATABLE READ".
func (l Level) String() string {
	if n, ok := levelNames[l]; ok {
		return n[1]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Short is the abbreviation the schedules use: RU, RC, RR, SER.
func (l Level) Short() string {
	if n, ok := levelNames[l]; ok {
		return n[0]
	}
	return l.String()
}

// TrxID is a transaction id. Ids grow with every transaction started; 0 is
// the id of the rows a table starts with, older than every transaction.
type TrxID uint64

// ReadView is InnoDB's snapshot of which transactions were running when it
// was taken. A row version written by transaction id is visible to the
// view's creator when id is the creator itself, or id < MinTrxID (committed
// before every transaction the view saw running), or id < MaxTrxID and id
// is not in MIDs (committed before the view was taken). Ids >= MaxTrxID
// started after the view and are never visible.
type ReadView struct {
	// MIDs are the ids of the transactions active when the view was taken,
	// the creator included, in increasing order (InnoDB's m_ids).
	MIDs []TrxID
	// MinTrxID is the smallest id in MIDs, or MaxTrxID when MIDs is empty
	// (m_up_limit_id, called min_trx_id in most explanations).
	MinTrxID TrxID
	// MaxTrxID is the id the next transaction would get (m_low_limit_id,
	// called max_trx_id).
	MaxTrxID TrxID
	// CreatorTrxID is the transaction that took the view (m_creator_trx_id).
	CreatorTrxID TrxID
}

// Row is one row of the table the schedules use: (id INT PRIMARY KEY, v INT).
type Row struct{ ID, Value int }

// ErrDuplicate is what Insert returns for an id that already exists.
var ErrDuplicate = errors.New("duplicate key")

// ErrDone is what a Tx returns once it has committed or rolled back.
var ErrDone = errors.New("transaction already finished")

// Tx is one transaction, as a schedule drives it. Every method may block
// while another transaction holds a lock it needs.
type Tx interface {
	// Get is a plain SELECT v WHERE id = ?: a snapshot read, except at
	// SERIALIZABLE where it locks the row it reads.
	Get(id int) (value int, found bool, err error)
	// Scan is a plain SELECT WHERE id BETWEEN lo AND hi, rows in id order.
	Scan(lo, hi int) ([]Row, error)
	// ScanForUpdate is the same SELECT ... FOR UPDATE: a current read that
	// locks what it reads (and, at REPEATABLE READ and above, the gaps).
	ScanForUpdate(lo, hi int) ([]Row, error)
	// Update is UPDATE SET v = ? WHERE id = ?; found reports whether the
	// row existed (for a current read).
	Update(id, value int) (found bool, err error)
	// Insert is INSERT (id, v); ErrDuplicate if the id exists.
	Insert(id, value int) error
	Commit() error
	Rollback() error
}

// Version is one entry of a row's version chain, newest first: the value
// and the transaction that wrote it (InnoDB's hidden DB_TRX_ID column).
type Version struct {
	Value int
	TrxID TrxID
}

// ErrNoReadView is what a Tx's ReadView returns at the levels that read
// without one: READ UNCOMMITTED reads the newest version, SERIALIZABLE
// locks what it reads.
var ErrNoReadView = errors.New("no read view at this isolation level")
