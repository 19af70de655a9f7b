package mvcctest

import (
	"errors"
	"slices"
	"testing"

	"github.com/grpclabs/labs/ch05-interview/mvcc/isolation"
)

// TestSnapshotReads: step 2, versions, undo chains and the visibility rule.
func TestSnapshotReads[S Store[T], T Tx](t *testing.T, newStore NewStore[S, T]) {
	probe(t, newStore, step2, isolation.RepeatableRead, getErr[T], updateErr[T], commitErr[T], rollbackErr[T])

	t.Run("visibility", func(t *testing.T) {
		s := newStore(rows(1, 10, 2, 20, 3, 30, 4, 40))
		a := s.Begin(isolation.RepeatableRead)
		b := s.Begin(isolation.RepeatableRead)
		c := s.Begin(isolation.RepeatableRead)
		update(t, a, 1, 11)
		update(t, b, 2, 21)
		must(t, b.Commit())
		update(t, c, 4, 41)
		r := s.Begin(isolation.RepeatableRead)
		get(t, r, 1, "10", "row 1's newest version is a's, and a is running (in r's MIDs): r must walk the undo chain back to 10")
		get(t, r, 2, "21", "b committed before r's first read: b's id is below MaxTrxID and not in MIDs, so r sees 21")
		d := s.Begin(isolation.RepeatableRead)
		update(t, d, 3, 31)
		must(t, d.Commit())
		get(t, r, 3, "30", "d began after r took its view (d's id >= r's MaxTrxID): d's 31 is invisible to r even though d committed")
		get(t, r, 4, "40", "c is running: its 41 is invisible")
		get(t, c, 4, "41", "a transaction sees its own uncommitted write (its id is the view's creator)")
		update(t, r, 3, 33)
		get(t, r, 3, "33", "r's own write is visible to r")
		history(t, s, 3, []isolation.Version{{Value: 33, TrxID: r.ID()}, {Value: 31, TrxID: d.ID()}, {Value: 30, TrxID: 0}})
		history(t, s, 1, []isolation.Version{{Value: 11, TrxID: a.ID()}, {Value: 10, TrxID: 0}})

		must(t, a.Rollback())
		history(t, s, 1, []isolation.Version{{Value: 10, TrxID: 0}})
		n := s.Begin(isolation.ReadCommitted)
		get(t, n, 1, "10", "a rolled back: its version is gone")
		if ok, err := n.Update(99, 1); err != nil || ok {
			t.Errorf("Update of a row that does not exist = %v, %v; want false, nil", ok, err)
		}
		must(t, n.Commit())
		if _, _, err := n.Get(1); !errors.Is(err, isolation.ErrDone) {
			t.Errorf("Get after Commit returned %v, want isolation.ErrDone", err)
		}
		if err := n.Commit(); !errors.Is(err, isolation.ErrDone) {
			t.Errorf("a second Commit returned %v, want isolation.ErrDone", err)
		}
	})

	runSchedules(t, newStore, belowSerializable, "dirty read", "non-repeatable read", "read view", "lost update")
}

// TestPhantoms: step 3, range scans and inserts.
func TestPhantoms[S Store[T], T Tx](t *testing.T, newStore NewStore[S, T]) {
	probe(t, newStore, step3, isolation.RepeatableRead, scanErr[T], insertErr[T])

	t.Run("scan_and_insert", func(t *testing.T) {
		s := newStore(rows(1, 10, 3, 30, 5, 50, 7, 70))
		r := s.Begin(isolation.RepeatableRead)
		scan(t, r, 2, 6, "[3,5]", "Scan(2, 6) returns the rows with 2 <= id <= 6, in id order")
		scan(t, r, 7, 7, "[7]", "both ends of the range are inclusive")
		scan(t, r, 8, 100, "[]", "a range with no rows")
		w := s.Begin(isolation.RepeatableRead)
		must(t, w.Insert(4, 40))
		must(t, w.Insert(2, 20))
		scan(t, w, 1, 5, "[1,2,3,4,5]", "a transaction sees the rows it inserted")
		scan(t, r, 1, 5, "[1,3,5]", "another transaction's uncommitted inserts are invisible")
		must(t, w.Commit())
		scan(t, r, 1, 5, "[1,3,5]", "at REPEATABLE READ rows committed after the view stay invisible")
		if err := r.Insert(4, 41); !errors.Is(err, isolation.ErrDuplicate) {
			t.Errorf("inserting id 4, which r's snapshot does not show but which exists, returned %v; want isolation.ErrDuplicate (uniqueness is checked against the newest data, not the snapshot)", err)
		}
		must(t, r.Commit())

		x := s.Begin(isolation.ReadCommitted)
		must(t, x.Insert(6, 60))
		history(t, s, 6, []isolation.Version{{Value: 60, TrxID: x.ID()}})
		must(t, x.Rollback())
		history(t, s, 6, nil)
		u := s.Begin(isolation.ReadUncommitted)
		scan(t, u, 1, 10, "[1,2,3,4,5,7]", "a rolled-back insert leaves no row behind")
		must(t, u.Commit())
	})

	runSchedules(t, newStore, belowSerializable, "phantom read")
}

// TestLocks: step 4, current reads, record locks and next-key locks.
func TestLocks[S Store[T], T Tx](t *testing.T, newStore NewStore[S, T]) {
	probe(t, newStore, step4, isolation.RepeatableRead, scanForUpdErr[T])
	runSchedules(t, newStore, belowSerializable,
		"snapshot read vs current read", "next-key lock", "no gap locks below repeatable read", "write-write conflict")
}

// TestSerializable: step 5, every schedule at SERIALIZABLE.
func TestSerializable[S Store[T], T Tx](t *testing.T, newStore NewStore[S, T]) {
	probe(t, newStore, step5, isolation.Serializable, getErr[T], scanErr[T])
	var names []string
	for _, s := range isolation.ForLevel(isolation.Serializable) {
		names = append(names, s.Name)
	}
	runSchedules(t, newStore, []isolation.Level{isolation.Serializable}, names...)
}

func update[T Tx](t *testing.T, tx T, id, v int) {
	t.Helper()
	ok, err := tx.Update(id, v)
	must(t, err)
	if !ok {
		t.Fatalf("T%d: Update(%d, %d) found no row", tx.ID(), id, v)
	}
}

func get[T Tx](t *testing.T, tx T, id int, want, why string) {
	t.Helper()
	v, ok, err := tx.Get(id)
	must(t, err)
	got := "none"
	if ok {
		got = itoa(v)
	}
	if got != want {
		t.Errorf("T%d: Get(%d) = %s, want %s: %s", tx.ID(), id, got, want, why)
	}
}

func scan[T Tx](t *testing.T, tx T, lo, hi int, want, why string) {
	t.Helper()
	rs, err := tx.Scan(lo, hi)
	must(t, err)
	ids := make([]int, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	if got := "[" + join(ids) + "]"; got != want {
		t.Errorf("T%d: Scan(%d, %d) = %s, want %s: %s", tx.ID(), lo, hi, got, want, why)
	}
}

func history[S Store[T], T Tx](t *testing.T, s S, id int, want []isolation.Version) {
	t.Helper()
	if got := s.History(id); !slices.Equal(got, want) {
		t.Errorf("History(%d) = %+v, want %+v (newest first: each Update pushes a version whose undo pointer keeps the one before; Rollback pops it)", id, got, want)
	}
}
