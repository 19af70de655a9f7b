package exercise

import (
	"context"
	"database/sql"
	"fmt"

	_ "modernc.org/sqlite" // registers "sqlite": pure Go, no cgo

	"github.com/grpclabs/labs/ch05-interview/flashsale/sale"
	"github.com/grpclabs/labs/scripts/labkit"
)

// SQLStock keeps the stock in SQLite: a stock table with one row (item 1,
// remaining) and an orders table (id, buyer).
type SQLStock struct{ db *sql.DB }

// NewSQLStock opens (or creates) the database file at path holding n
// items. An existing file keeps its stock and orders.
func NewSQLStock(ctx context.Context, path string, n int64, wal bool) (*SQLStock, error) {
	db, err := sql.Open("sqlite", sale.DSN(path, wal))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4)
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

// Take, in one transaction (s.db.BeginTx; defer tx.Rollback()): the
// conditional decrement
//
//	UPDATE stock SET remaining = remaining - 1 WHERE item = 1 AND remaining > 0
//
// (no row affected: sold out), then INSERT INTO orders (buyer) VALUES (?),
// whose LastInsertId is the order id, then Commit.
//
// Step 3.
func (s *SQLStock) Take(ctx context.Context, buyer string) (int64, bool, error) {
	return 0, false, labkit.TODO("SQLStock.Take")
}

func (s *SQLStock) Left(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT remaining FROM stock WHERE item = 1`).Scan(&n)
	return n, err
}

// Close closes the database.
func (s *SQLStock) Close() error { return s.db.Close() }
