package solution

import (
	"context"
	"database/sql"
	"fmt"

	_ "modernc.org/sqlite" // registers "sqlite": pure Go, no cgo

	"github.com/grpclabs/labs/ch05-interview/flashsale/sale"
)

// SQLStock keeps the stock in SQLite and lets the database arbitrate: the
// conditional UPDATE checks and decrements in one statement, and the
// order row is written in the same transaction, so a sale is either
// fully recorded or not at all.
type SQLStock struct{ db *sql.DB }

// NewSQLStock opens (or creates) the database file at path holding n
// items. An existing file keeps its stock and orders.
func NewSQLStock(ctx context.Context, path string, n int64, wal bool) (*SQLStock, error) {
	db, err := sql.Open("sqlite", sale.DSN(path, wal))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4) // writers queue in the pool, not in SQLite's busy handler
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS stock (item INTEGER PRIMARY KEY, remaining INTEGER NOT NULL CHECK (remaining >= 0))`,
		`CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY AUTOINCREMENT, buyer TEXT NOT NULL)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			db.Close()
			return nil, fmt.Errorf("sqlite schema: %w", err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT OR IGNORE INTO stock (item, remaining) VALUES (1, ?)`, n); err != nil {
		db.Close()
		return nil, err
	}
	return &SQLStock{db: db}, nil
}

// Take runs one transaction: the conditional decrement, then the order.
func (s *SQLStock) Take(ctx context.Context, buyer string) (int64, bool, error) {
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (see sale.DSN)
	if err != nil {
		return 0, false, err
	}
	defer tx.Rollback() // a no-op once committed
	// The WHERE clause is the whole trick: the check and the write are one
	// statement, atomic in the database, whoever else is buying.
	res, err := tx.ExecContext(ctx, `UPDATE stock SET remaining = remaining - 1 WHERE item = 1 AND remaining > 0`)
	if err != nil {
		return 0, false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return 0, false, err // sold out
	}
	res, err = tx.ExecContext(ctx, `INSERT INTO orders (buyer) VALUES (?)`, buyer)
	if err != nil {
		return 0, false, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, false, err
	}
	if err := tx.Commit(); err != nil {
		return 0, false, err
	}
	return id, true, nil
}

func (s *SQLStock) Left(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT remaining FROM stock WHERE item = 1`).Scan(&n)
	return n, err
}

// Close closes the database.
func (s *SQLStock) Close() error { return s.db.Close() }
