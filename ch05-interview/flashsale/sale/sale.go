// Package sale holds what the flashsale drill's approaches share: the
// interfaces the server and the stocks are built from, and how the SQLite
// ones open their database.
package sale

import (
	"context"
	"net/url"
	"sync/atomic"
)

// Stock hands out at most its starting number of items, each exactly
// once, to concurrent callers.
type Stock interface {
	// Take sells one item to buyer: its order id and true, or false when
	// none is left. An error means nothing was sold.
	Take(ctx context.Context, buyer string) (orderID int64, ok bool, err error)
	// Left is how many items remain.
	Left(ctx context.Context) (int64, error)
}

// Counter is the count a lock-free stock keeps; *atomic.Int64 is one.
// The suite hands CASStock a counter of its own that pauses the buyer at
// every call, so that it can run two buyers' steps in whatever order it
// chooses (see flashsaletest's interleavings tests).
type Counter interface {
	Load() int64
	Store(val int64)
	Add(delta int64) (new int64)
	CompareAndSwap(old, new int64) (swapped bool)
}

var _ Counter = (*atomic.Int64)(nil)

// Gate admits or turns away a request before it reaches the stock.
type Gate interface {
	Allow() bool
}

// DSN is the modernc.org/sqlite data source for the database file at path.
// busy_timeout makes a writer that finds the database locked wait (up to
// 10 s) instead of failing with SQLITE_BUSY; _txlock=immediate makes
// BEGIN take the write lock at once, so two transactions never both read
// and then deadlock upgrading to write. With wal, the write-ahead log and
// synchronous=NORMAL: a commit appends to the log without an fsync (a
// crash can lose the last commits, never corrupt the file). Without it,
// SQLite's default rollback journal fsyncs on every commit.
func DSN(path string, wal bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	if wal {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}
