package isolation_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/grpclabs/labs/ch05-interview/mvcc/isolation"
	"github.com/grpclabs/labs/scripts/labkit"
)

// TestMariaDB replays every schedule, at every level it is written for,
// on a real MariaDB server: the expected results in schedules.go are what
// InnoDB does, not what we think it does. One server serves every subtest;
// it runs from the installed binary with its data and socket in a
// temporary directory, no TCP port, and stops when the test ends.
func TestMariaDB(t *testing.T) {
	db := startMariaDB(t)
	b := &mariaBackend{db: db}
	for _, s := range isolation.All {
		for _, level := range s.LevelList() {
			t.Run(strings.ReplaceAll(s.Name, " ", "_")+"/"+level.Short(), func(t *testing.T) {
				isolation.Run(t, b, s, level)
			})
		}
	}
}

// startMariaDB initialises a data directory with mariadb-install-db and
// starts mariadbd on a unix socket next to it.
func startMariaDB(t *testing.T) *sql.DB {
	t.Helper()
	server := labkit.LookTool(t, "mariadbd", "mariadb-server")
	install := labkit.LookTool(t, "mariadb-install-db", "mariadb-server")

	dir := t.TempDir()
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "mysqld.sock")
	// Small redo log and buffer pool: a 20 MB data directory instead of 110 MB.
	common := []string{"--no-defaults", "--datadir=" + data,
		"--innodb-log-file-size=4M", "--innodb-buffer-pool-size=16M"}
	if os.Geteuid() == 0 {
		common = append(common, "--user=root") // mariadbd refuses to run as root otherwise
	}
	cmd := exec.Command(install, append(common, "--auth-root-authentication-method=normal", "--skip-test-db")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}

	cfg := mysql.NewConfig() // NewConfig, not a literal: it sets the defaults (native passwords allowed)
	cfg.User, cfg.Net, cfg.Addr = "root", "unix", sock
	cfg.ClientFoundRows = true   // UPDATE reports the rows it matched, changed or not
	cfg.InterpolateParams = true // no server-side prepared statements: one round trip per statement
	dsn := cfg.FormatDSN()
	ready := func(ctx context.Context) error {
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		return db.PingContext(ctx)
	}
	labkit.StartDaemon(t, ready, server, append(common,
		"--socket="+sock, "--skip-networking", "--pid-file="+filepath.Join(dir, "mysqld.pid"),
		"--innodb-flush-log-at-trx-commit=0", // no fsync per commit: nothing here needs to survive a crash
	)...)

	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() }) // before the server stops: cleanups run last-registered first
	if _, err := db.Exec("CREATE DATABASE lab"); err != nil {
		t.Fatal(err)
	}
	return db
}

// mariaBackend runs each transaction on its own connection.
type mariaBackend struct{ db *sql.DB }

// waitLimit bounds how long a check for a lock wait, or for a wait to end,
// may take. It only turns a broken server into a failure; on a loaded
// machine a statement can take seconds to reach its lock.
const waitLimit = time.Minute

// pollEvery is longer than the 100 ms for which InnoDB keeps serving the
// same copy of information_schema.innodb_trx after a read.
const pollEvery = 120 * time.Millisecond

func (m *mariaBackend) Load(t *testing.T, rows []isolation.Row) {
	t.Helper()
	stmts := []string{"DROP TABLE IF EXISTS lab.t", "CREATE TABLE lab.t (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB"}
	for _, r := range rows {
		stmts = append(stmts, fmt.Sprintf("INSERT INTO lab.t VALUES (%d, %d)", r.ID, r.Value))
	}
	for _, s := range stmts {
		if _, err := m.db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func (m *mariaBackend) Begin(t *testing.T, level isolation.Level) isolation.Tx {
	t.Helper()
	ctx := context.Background()
	conn, err := m.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	tx := &mariaTx{conn: conn}
	tx.finished.Store(statements.Load()) // nothing sent before now can be this transaction's
	if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&tx.thread); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"SET SESSION TRANSACTION ISOLATION LEVEL " + level.String(), "START TRANSACTION"} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return tx
}

// Waiting polls InnoDB's own view of the transaction until its statement
// finishes or InnoDB reports it in LOCK WAIT. That view
// (information_schema.innodb_trx) is a cache that InnoDB refreshes only
// when nobody has read it for 100 ms (CACHE_MIN_IDLE_TIME_US), so polling
// faster than that would read the same stale copy forever; and a copy can
// still show an earlier statement of the same transaction waiting, so
// every statement carries its number in a comment, and only a wait by a
// statement that has not finished counts.
func (m *mariaBackend) Waiting(t *testing.T, tx isolation.Tx, done <-chan struct{}) bool {
	t.Helper()
	x := tx.(*mariaTx)
	deadline := time.Now().Add(waitLimit)
	for {
		select {
		case <-done:
			return false
		default:
		}
		rows, err := m.db.Query("SELECT trx_query FROM information_schema.innodb_trx WHERE trx_mysql_thread_id = ? AND trx_state = 'LOCK WAIT'", x.thread)
		if err != nil {
			t.Fatalf("reading information_schema.innodb_trx: %v", err)
		}
		waiting := false
		for rows.Next() {
			var q sql.NullString
			var n int64
			if rows.Scan(&q) == nil {
				if _, err := fmt.Sscanf(q.String, "/* lab:%d */", &n); err == nil && n > x.finished.Load() {
					waiting = true
				}
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if waiting {
			return true
		}
		if time.Now().After(deadline) {
			t.Fatalf("a statement neither finished nor waited for a lock within %v", waitLimit)
		}
		select {
		case <-done:
			return false
		case <-time.After(pollEvery):
		}
	}
}

func (m *mariaBackend) Finish(t *testing.T, tx isolation.Tx, done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	case <-time.After(waitLimit):
		return false
	}
}

type mariaTx struct {
	conn     *sql.Conn
	thread   int64
	finished atomic.Int64 // the tag of this transaction's last statement that returned
}

// statements numbers every statement sent, in "/* lab:n */" comments. The
// numbers are unique across transactions: a pooled connection keeps its
// thread id, so a stale copy of innodb_trx may show a statement of an
// earlier transaction under the same thread.
var statements atomic.Int64

// tag numbers the next statement; done records that it returned.
func (x *mariaTx) tag(q string) (string, func()) {
	n := statements.Add(1)
	return fmt.Sprintf("/* lab:%d */ %s", n, q), func() { x.finished.Store(n) }
}

func (x *mariaTx) exec(q string, args ...any) (sql.Result, error) {
	q, done := x.tag(q)
	defer done()
	return x.conn.ExecContext(bg, q, args...)
}

var bg = context.Background()

func (x *mariaTx) Get(id int) (int, bool, error) {
	var v int
	q, done := x.tag("SELECT v FROM lab.t WHERE id = ?")
	defer done()
	err := x.conn.QueryRowContext(bg, q, id).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return v, err == nil, err
}

func (x *mariaTx) Scan(lo, hi int) ([]isolation.Row, error) {
	return x.rows("SELECT id, v FROM lab.t WHERE id BETWEEN ? AND ? ORDER BY id", lo, hi)
}

func (x *mariaTx) ScanForUpdate(lo, hi int) ([]isolation.Row, error) {
	return x.rows("SELECT id, v FROM lab.t WHERE id BETWEEN ? AND ? ORDER BY id FOR UPDATE", lo, hi)
}

func (x *mariaTx) rows(q string, args ...any) ([]isolation.Row, error) {
	q, done := x.tag(q)
	defer done()
	rs, err := x.conn.QueryContext(bg, q, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []isolation.Row
	for rs.Next() {
		var r isolation.Row
		if err := rs.Scan(&r.ID, &r.Value); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

func (x *mariaTx) Update(id, v int) (bool, error) {
	res, err := x.exec("UPDATE lab.t SET v = ? WHERE id = ?", v, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (x *mariaTx) Insert(id, v int) error {
	_, err := x.exec("INSERT INTO lab.t (id, v) VALUES (?, ?)", id, v)
	if me, ok := errors.AsType[*mysql.MySQLError](err); ok && me.Number == 1062 {
		return isolation.ErrDuplicate
	}
	return err
}

func (x *mariaTx) Commit() error {
	_, err := x.exec("COMMIT")
	return err
}

func (x *mariaTx) Rollback() error {
	_, err := x.exec("ROLLBACK")
	return err
}
