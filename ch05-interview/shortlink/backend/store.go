package backend

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// ErrNotFound is the answer for an id that has no link.
var ErrNotFound = errors.New("no such link")

// Links is what the service needs from its database. *Store is the real
// one; the suite wraps it to count and hold reads.
type Links interface {
	// Create stores url under id and returns id, or, when url is already
	// stored, returns the id it already has (the caller's id is unused).
	Create(ctx context.Context, id uint64, url string) (uint64, error)
	// URL returns the link stored under id, or ErrNotFound.
	URL(ctx context.Context, id uint64) (string, error)
	// EachID calls fn with every stored id, to fill a Bloom filter at start.
	EachID(ctx context.Context, fn func(id uint64)) error
}

// DSN is the data source name the store opens path with. WAL with
// synchronous=NORMAL fsyncs at checkpoints, not on every commit: measured
// here 30x or more faster for single-row inserts than SQLite's default
// rollback journal (BenchmarkJournal in the suite), and readers no longer
// block the writer. The busy timeout makes a writer that finds the
// database locked wait instead of failing at once. path must not contain
// '?' or '#'.
func DSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)"
}

// Store is the links table in SQLite.
type Store struct {
	db    *sql.DB
	reads atomic.Int64
}

// OpenStore opens (creating if needed) the SQLite database at path.
func OpenStore(path string) (*Store, error) {
	db, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// One writer at a time is all SQLite allows; readers share the rest.
	db.SetMaxOpenConns(8)
	const schema = `CREATE TABLE IF NOT EXISTS links (
		id      INTEGER PRIMARY KEY,
		url     TEXT NOT NULL UNIQUE,
		created INTEGER NOT NULL
	)`
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("create schema in %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Create implements Links. The UNIQUE index on url decides which of two
// concurrent Shortens of the same URL wins; both then read the winner's id.
func (s *Store) Create(ctx context.Context, id uint64, u string) (uint64, error) {
	// SQLite integers are signed 64-bit; Snowflake ids use 63 bits.
	if id > 1<<63-1 {
		return 0, fmt.Errorf("id %d does not fit in a SQLite integer", id)
	}
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO links (id, url, created) VALUES (?, ?, ?) ON CONFLICT (url) DO NOTHING`,
		int64(id), u, time.Now().Unix())
	if err != nil {
		return 0, fmt.Errorf("insert link: %w", err)
	}
	var got int64
	if err := s.db.QueryRowContext(ctx, `SELECT id FROM links WHERE url = ?`, u).Scan(&got); err != nil {
		return 0, fmt.Errorf("read back link: %w", err)
	}
	return uint64(got), nil
}

// Import stores links (id to URL) in one transaction: a fast way to seed
// a demo or a test with thousands of links. Existing URLs are skipped.
func (s *Store) Import(ctx context.Context, links map[uint64]string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit
	now := time.Now().Unix()
	for id, u := range links {
		if id > 1<<63-1 {
			return fmt.Errorf("import: id %d does not fit in a SQLite integer", id)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO links (id, url, created) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, int64(id), u, now); err != nil {
			return fmt.Errorf("import link %d: %w", id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

// URL implements Links.
func (s *Store) URL(ctx context.Context, id uint64) (string, error) {
	s.reads.Add(1)
	if id > 1<<63-1 {
		return "", ErrNotFound
	}
	var u string
	err := s.db.QueryRowContext(ctx, `SELECT url FROM links WHERE id = ?`, int64(id)).Scan(&u)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("read link %d: %w", id, err)
	}
	return u, nil
}

// EachID implements Links.
func (s *Store) EachID(ctx context.Context, fn func(uint64)) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM links`)
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("list links: %w", err)
		}
		fn(uint64(id))
	}
	return rows.Err()
}

// Reads is how many URL lookups reached the database.
func (s *Store) Reads() int64 { return s.reads.Load() }
