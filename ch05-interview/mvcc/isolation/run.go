package isolation

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// Backend is what [Run] replays a schedule on.
type Backend interface {
	// Load makes rows the table's committed contents, replacing any others.
	Load(t *testing.T, rows []Row)
	// Begin starts a transaction at level.
	Begin(t *testing.T, level Level) Tx
	// Waiting is called while a statement of tx runs in the background
	// (done is closed when it returns). It returns once the statement has
	// either finished (false) or is waiting for a lock (true).
	Waiting(t *testing.T, tx Tx, done <-chan struct{}) bool
	// Finish is called for a statement that was waiting, after the
	// transaction holding its lock ended. It returns whether the statement
	// finished; false means it is still waiting.
	Finish(t *testing.T, tx Tx, done <-chan struct{}) bool
}

// Run replays s at level on b and fails t at the first statement whose
// result (or wait) is not the expected one. Every statement runs on its
// own goroutine, so a wait, expected or not, never hangs the test; before
// failing, Run rolls back every transaction still open.
func Run(t *testing.T, b Backend, s Schedule, level Level) {
	t.Helper()
	r := &runner{t: t, b: b, s: s, level: level, txs: map[int]*txState{}}
	b.Load(t, s.Rows())
	for _, l := range s.Lines() {
		if !r.step(l) {
			r.abort()
			t.FailNow()
		}
	}
	for _, n := range r.order {
		if ts := r.txs[n]; ts.pending != nil && !r.resolve(n, ts) {
			r.abort()
			t.FailNow()
		}
	}
}

type runner struct {
	t     *testing.T
	b     Backend
	s     Schedule
	level Level
	txs   map[int]*txState
	order []int
}

type txState struct {
	tx      Tx
	open    bool
	pending *call // a statement waiting for a lock
}

type call struct {
	line Line
	want string // the result expected once it stops waiting
	done chan struct{}
	res  string
	err  error
}

func (r *runner) step(l Line) bool {
	ts := r.txs[l.Tx]
	if ts != nil && ts.pending != nil && !r.resolve(l.Tx, ts) {
		return false
	}
	if l.Op == "begin" {
		if ts != nil {
			return r.failf(l, "T%d began twice", l.Tx)
		}
		r.txs[l.Tx] = &txState{tx: r.b.Begin(r.t, r.level), open: true}
		r.order = append(r.order, l.Tx)
		return true
	}
	if ts == nil {
		return r.failf(l, "T%d is used before its begin", l.Tx)
	}
	c := &call{line: l, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.res, c.err = exec(ts.tx, l)
	}()
	want := l.Want(r.level)
	if r.b.Waiting(r.t, ts.tx, c.done) {
		if res, ok := strings.CutPrefix(want, "waits:"); ok {
			c.want = res
			ts.pending = c
			return true
		}
		return r.failf(l, "waited for a lock; at %v it must not", r.level)
	}
	if res, ok := strings.CutPrefix(want, "waits:"); ok {
		return r.failf(l, "finished without waiting for a lock (%s); at %v it must wait, and then give %s", c.result(), r.level, res)
	}
	if l.Op == "commit" || l.Op == "rollback" {
		ts.open = false
	}
	return r.check(l, c, want)
}

// resolve waits for T<n>'s waiting statement, now that what it waited for
// should have ended, and checks its result.
func (r *runner) resolve(n int, ts *txState) bool {
	c := ts.pending
	ts.pending = nil
	if !r.b.Finish(r.t, ts.tx, c.done) {
		ts.pending = c
		return r.failf(c.line, "is still waiting for its lock, although the transaction that held it has ended")
	}
	return r.check(c.line, c, c.want)
}

func (r *runner) check(l Line, c *call, want string) bool {
	if c.err != nil {
		return r.failf(l, "failed: %v", c.err)
	}
	if want == "" {
		switch l.Op {
		case "get", "scan", "scan-for-update":
			return true
		}
		want = "ok"
	}
	if c.res != want {
		return r.failf(l, "got %s, want %s", c.res, want)
	}
	return true
}

func (c *call) result() string {
	if c.err != nil {
		return "error: " + c.err.Error()
	}
	return c.res
}

// exec runs one statement and renders its result as schedules write it.
func exec(tx Tx, l Line) (string, error) {
	a := l.Args
	switch l.Op {
	case "get":
		v, ok, err := tx.Get(a[0])
		if err != nil || !ok {
			return "none", err
		}
		return strconv.Itoa(v), nil
	case "scan":
		rows, err := tx.Scan(a[0], a[1])
		return formatRows(rows), err
	case "scan-for-update":
		rows, err := tx.ScanForUpdate(a[0], a[1])
		return formatRows(rows), err
	case "update":
		ok, err := tx.Update(a[0], a[1])
		if err != nil || !ok {
			return "none", err
		}
		return "ok", nil
	case "insert":
		err := tx.Insert(a[0], a[1])
		if errors.Is(err, ErrDuplicate) {
			return "dup", nil
		}
		return "ok", err
	case "commit":
		return "ok", tx.Commit()
	case "rollback":
		return "ok", tx.Rollback()
	}
	return "", fmt.Errorf("unknown op %q", l.Op)
}

// abort rolls back every open transaction so that nothing stays blocked:
// first those not waiting (which releases their locks), then the waiting
// ones once their statement returns.
func (r *runner) abort() {
	for _, n := range r.order {
		if ts := r.txs[n]; ts.open && ts.pending == nil {
			_ = ts.tx.Rollback()
			ts.open = false
		}
	}
	for _, n := range r.order {
		if ts := r.txs[n]; ts.open && ts.pending != nil {
			if r.b.Finish(r.t, ts.tx, ts.pending.done) {
				_ = ts.tx.Rollback()
			} else {
				r.t.Errorf("T%d's %q is still waiting after every other transaction rolled back: nothing will ever wake it", n, ts.pending.line.Text)
			}
			ts.open = false
		}
	}
}

func (r *runner) failf(l Line, format string, args ...any) bool {
	r.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "schedule %q at %v, line %d: %s: %s", r.s.Name, r.level, l.N, l.Text, fmt.Sprintf(format, args...))
	if l.Comment != "" {
		fmt.Fprintf(&b, "\n    (%s)", l.Comment)
	}
	b.WriteString("\n  the schedule:")
	for _, o := range r.s.Lines() {
		mark := "   "
		if o.N == l.N {
			mark = ">>>"
		}
		fmt.Fprintf(&b, "\n  %s %2d  %s", mark, o.N, o.Text)
	}
	r.t.Error(b.String())
	return false
}
