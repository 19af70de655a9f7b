// Package mvcctest is the mvcc drill's suite. The exercise and the solution
// both run it through their one-screen *_test.go files.
//
// Most of it replays the schedules of package isolation, the same ones
// that package's own test replays on a real MariaDB server. Each schedule
// runs inside a testing/synctest bubble: when a statement is expected to
// wait for a lock, synctest.Wait returns once every goroutine is blocked,
// so "T2's insert is waiting" is an exact observation, not a timeout.
package mvcctest

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/grpclabs/labs/ch05-interview/mvcc/isolation"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch05-interview/mvcc"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "Tx.ReadView"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "Tx.Get, Tx.Update, Tx.Commit, Tx.Rollback"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "Tx.Scan, Tx.Insert"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "Tx.ScanForUpdate and locks"}
	step5 = labkit.Step{Lab: lab, N: 5, What: "SERIALIZABLE reads"}
)

// Tx is what the suite needs from a transaction of the lab's store.
type Tx interface {
	isolation.Tx
	ID() isolation.TrxID
	ReadView() (isolation.ReadView, error)
}

// Store is the lab's store, as the suite drives it.
type Store[T Tx] interface {
	Begin(level isolation.Level) T
	History(id int) []isolation.Version
}

// NewStore is the lab's constructor: a table holding rows, written by
// transaction 0.
type NewStore[S Store[T], T Tx] func(rows []isolation.Row) S

// backend replays schedules on the lab's store, inside a bubble.
type backend[S Store[T], T Tx] struct {
	newStore NewStore[S, T]
	store    S
}

func (b *backend[S, T]) Load(t *testing.T, rows []isolation.Row) { b.store = b.newStore(rows) }

func (b *backend[S, T]) Begin(t *testing.T, level isolation.Level) isolation.Tx {
	return b.store.Begin(level)
}

// Waiting: once every goroutine in the bubble is blocked, the statement
// has either returned or is parked waiting for a lock.
func (b *backend[S, T]) Waiting(t *testing.T, _ isolation.Tx, done <-chan struct{}) bool {
	synctest.Wait()
	select {
	case <-done:
		return false
	default:
		return true
	}
}

func (b *backend[S, T]) Finish(t *testing.T, tx isolation.Tx, done <-chan struct{}) bool {
	return !b.Waiting(t, tx, done)
}

// runSchedules replays the named schedules at each level (those that are
// written for it), each in its own subtest and bubble.
func runSchedules[S Store[T], T Tx](t *testing.T, newStore NewStore[S, T], levels []isolation.Level, names ...string) {
	t.Helper()
	ran := 0
	for _, s := range isolation.All {
		if !slices.Contains(names, s.Name) {
			continue
		}
		for _, level := range s.LevelList() {
			if !slices.Contains(levels, level) {
				continue
			}
			ran++
			t.Run(strings.ReplaceAll(s.Name, " ", "_")+"/"+level.Short(), func(t *testing.T) {
				labkit.Bubble(t, func(t *testing.T) {
					isolation.Run(t, &backend[S, T]{newStore: newStore}, s, level)
				})
			})
		}
	}
	if ran == 0 {
		t.Fatalf("suite bug: no schedule named %q runs at %v", names, levels)
	}
}

var belowSerializable = []isolation.Level{isolation.ReadUncommitted, isolation.ReadCommitted, isolation.RepeatableRead}

func rows(pairs ...int) []isolation.Row {
	var out []isolation.Row
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, isolation.Row{ID: pairs[i], Value: pairs[i+1]})
	}
	return out
}

// TestReadView: step 1, what a read view holds and when it is taken.
func TestReadView[S Store[T], T Tx](t *testing.T, newStore NewStore[S, T]) {
	s := newStore(rows(1, 10))
	a, b, c := s.Begin(isolation.RepeatableRead), s.Begin(isolation.ReadCommitted), s.Begin(isolation.RepeatableRead)
	_, err := a.ReadView()
	step1.Require(t, err)
	if !(a.ID() < b.ID() && b.ID() < c.ID()) {
		t.Fatalf("transaction ids %d, %d, %d: each transaction must get a larger id than the one before", a.ID(), b.ID(), c.ID())
	}
	s = newStore(rows(1, 10)) // again, with no view taken yet
	a, b, c = s.Begin(isolation.RepeatableRead), s.Begin(isolation.ReadCommitted), s.Begin(isolation.RepeatableRead)
	must(t, b.Commit())

	view := func(tx T) isolation.ReadView {
		t.Helper()
		v, err := tx.ReadView()
		step1.Require(t, err)
		return v
	}
	want := func(name string, got isolation.ReadView, mids []isolation.TrxID, max, creator isolation.TrxID) {
		t.Helper()
		w := isolation.ReadView{MIDs: mids, MinTrxID: max, MaxTrxID: max, CreatorTrxID: creator}
		if len(mids) > 0 {
			w.MinTrxID = mids[0]
		}
		if !slices.Equal(got.MIDs, w.MIDs) || got.MinTrxID != w.MinTrxID || got.MaxTrxID != w.MaxTrxID || got.CreatorTrxID != w.CreatorTrxID {
			t.Errorf("%s:\n  got  %+v\n  want %+v\n(MIDs: the transactions running when the view is taken, the creator included, sorted; MinTrxID: the smallest of them; MaxTrxID: the id the next transaction will get; CreatorTrxID: who took it)", name, got, w)
		}
	}

	va := view(a)
	d := s.Begin(isolation.ReadCommitted)
	want("a's first view, after b committed", va, []isolation.TrxID{a.ID(), c.ID()}, d.ID(), a.ID())
	must(t, d.Commit())
	want("a's view at REPEATABLE READ, asked again after another transaction came and went", view(a), []isolation.TrxID{a.ID(), c.ID()}, d.ID(), a.ID())

	e := s.Begin(isolation.ReadCommitted)
	f := s.Begin(isolation.ReadCommitted)
	ve := view(e)
	want("e's view at READ COMMITTED", ve, []isolation.TrxID{a.ID(), c.ID(), e.ID(), f.ID()}, f.ID()+1, e.ID())
	must(t, a.Commit())
	must(t, f.Commit())
	want("e's next view at READ COMMITTED: a fresh one for every statement", view(e), []isolation.TrxID{c.ID(), e.ID()}, f.ID()+1, e.ID())
	must(t, c.Commit())
	want("e's view with nobody else running", view(e), []isolation.TrxID{e.ID()}, f.ID()+1, e.ID())
	must(t, e.Commit())

	for _, level := range []isolation.Level{isolation.ReadUncommitted, isolation.Serializable} {
		tx := s.Begin(level)
		if _, err := tx.ReadView(); step1.Check(t, err) == nil || !errors.Is(err, isolation.ErrNoReadView) {
			t.Errorf("ReadView at %v returned %v; want isolation.ErrNoReadView: %v reads without one", level, err, level)
		}
		must(t, tx.Commit())
	}
	if _, err := e.ReadView(); !errors.Is(err, isolation.ErrDone) {
		t.Errorf("ReadView after Commit returned %v, want isolation.ErrDone", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// probe stops the test with step's TODO message while one of the
// methods it needs is not written yet.
func probe[S Store[T], T Tx](t *testing.T, newStore NewStore[S, T], step labkit.Step, level isolation.Level, calls ...func(tx T) error) {
	t.Helper()
	for _, call := range calls {
		s := newStore(rows(1, 10, 3, 30))
		if err := call(s.Begin(level)); labkit.IsTODO(err) {
			step.Check(t, err)
		}
	}
}

func getErr[T Tx](tx T) error        { _, _, err := tx.Get(1); return err }
func updateErr[T Tx](tx T) error     { _, err := tx.Update(1, 11); return err }
func commitErr[T Tx](tx T) error     { return tx.Commit() }
func rollbackErr[T Tx](tx T) error   { return tx.Rollback() }
func scanErr[T Tx](tx T) error       { _, err := tx.Scan(1, 5); return err }
func insertErr[T Tx](tx T) error     { return tx.Insert(2, 20) }
func scanForUpdErr[T Tx](tx T) error { _, err := tx.ScanForUpdate(1, 5); return err }

func itoa(n int) string { return strconv.Itoa(n) }

func join(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = itoa(id)
	}
	return strings.Join(s, ",")
}
