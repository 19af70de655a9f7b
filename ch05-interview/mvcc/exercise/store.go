// Package exercise is your copy of the mvcc drill: a table with
// multi-version rows, read views, and record, gap and next-key locks.
// The scaffolding (the types, the index, the lock table, Begin, end) is
// written; the TODOs are the parts an interviewer asks about. See
// ../README.md for the steps.
package exercise

import (
	"errors"
	"math"
	"slices"
	"sync"

	"github.com/grpclabs/labs/ch05-interview/mvcc/isolation"
	"github.com/grpclabs/labs/scripts/labkit"
)

// version is one version of a row: its value plus InnoDB's two hidden
// columns, the id of the transaction that wrote it (DB_TRX_ID) and the
// pointer into the undo log to the version it replaced (DB_ROLL_PTR).
type version struct {
	value int
	trx   isolation.TrxID
	undo  *version // nil: this version was inserted, nothing older exists
}

// supremum stands for the gap after the last key: a lock on it keeps
// inserts out of the end of the index.
const supremum = math.MaxInt

// Store is one table (id INT PRIMARY KEY, v INT). One mutex guards it all;
// a transaction that must wait for a lock waits on changed, which end
// broadcasts whenever a transaction ends and its locks go.
type Store struct {
	mu      sync.Mutex
	changed *sync.Cond
	nextTrx isolation.TrxID          // the id the next transaction gets
	active  map[isolation.TrxID]bool // begun and not yet ended
	keys    []int                    // every row id, sorted: the primary key index
	rows    map[int]*version         // the newest version of each row
	locks   map[int][]lock           // by index key (supremum for the end)
}

type lockMode int

const (
	shared lockMode = iota
	exclusive
)

// lock is one transaction's lock on an index key: on the record itself,
// on the gap before it, or both (a next-key lock).
type lock struct {
	trx    isolation.TrxID
	mode   lockMode
	record bool
	gap    bool
}

// NewStore returns a table holding rows, written by transaction 0: older
// than every transaction, so visible to all of them.
func NewStore(rows []isolation.Row) *Store {
	s := &Store{nextTrx: 1, active: map[isolation.TrxID]bool{}, rows: map[int]*version{}, locks: map[int][]lock{}}
	s.changed = sync.NewCond(&s.mu)
	for _, r := range rows {
		if _, dup := s.rows[r.ID]; !dup {
			s.keys = append(s.keys, r.ID)
		}
		s.rows[r.ID] = &version{value: r.Value}
	}
	slices.Sort(s.keys)
	return s
}

// History returns row id's version chain, newest first (nil if there is
// no such row).
func (s *Store) History(id int) []isolation.Version {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []isolation.Version
	for v := s.rows[id]; v != nil; v = v.undo {
		out = append(out, isolation.Version{Value: v.value, TrxID: v.trx})
	}
	return out
}

// Begin starts a transaction with the next id.
func (s *Store) Begin(level isolation.Level) *Tx {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := &Tx{s: s, id: s.nextTrx, level: level}
	s.nextTrx++
	s.active[tx.id] = true
	return tx
}

// Tx is one transaction. Every method takes the store's mutex.
type Tx struct {
	s     *Store
	id    isolation.TrxID
	level isolation.Level
	view  *isolation.ReadView // REPEATABLE READ: taken at the first snapshot read, then kept
	undo  []change            // what Rollback undoes, oldest first
	done  bool
}

// change is one entry of the transaction's undo log.
type change struct {
	id       int
	inserted bool // the row did not exist before: rollback removes it
}

// ID is the transaction's id.
func (tx *Tx) ID() isolation.TrxID { return tx.id }

// ReadView returns the view a snapshot read takes now.
func (tx *Tx) ReadView() (isolation.ReadView, error) {
	tx.s.mu.Lock()
	defer tx.s.mu.Unlock()
	if tx.done {
		return isolation.ReadView{}, isolation.ErrDone
	}
	v, err := tx.readView()
	if err != nil {
		return isolation.ReadView{}, err
	}
	return *v, nil
}

// readView: a fresh view for every statement at READ COMMITTED, the first
// one for the whole transaction at REPEATABLE READ (keep it in tx.view),
// isolation.ErrNoReadView at the other levels. A view lists the active
// transactions, sorted, the creator included; MinTrxID is the smallest
// (or MaxTrxID if none); MaxTrxID is the id the next transaction gets.
//
// Step 1. The caller holds s.mu.
func (tx *Tx) readView() (*isolation.ReadView, error) {
	return nil, labkit.TODO("Tx.readView")
}

// Visible is InnoDB's rule: may a reader holding view see a version
// written by transaction trx? See isolation.ReadView for the four cases.
//
// Step 2.
func Visible(view isolation.ReadView, trx isolation.TrxID) bool {
	return false
}

// Get is a plain SELECT of one row. READ UNCOMMITTED reads the newest
// version; READ COMMITTED and REPEATABLE READ walk the undo chain from the
// newest version to the first one Visible to tx's read view (none: the
// row does not exist for this reader).
//
// Step 2 (SERIALIZABLE is step 5's lockingGet).
func (tx *Tx) Get(id int) (int, bool, error) {
	s := tx.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if tx.done {
		return 0, false, isolation.ErrDone
	}
	if tx.level == isolation.Serializable {
		return tx.lockingGet(id)
	}
	return 0, false, labkit.TODO("Tx.Get")
}

// Update is UPDATE ... WHERE id = ?: it changes the newest version (a
// current read), pushing a new version whose undo pointer keeps the old
// one, and logs the change in tx.undo. It reports false if there is no
// such row. Before it writes, it calls tx.lockRow(id) (step 4's; the
// stand-in takes no lock), and then finds no row if an insert it waited
// for was rolled back.
//
// Step 2.
func (tx *Tx) Update(id, value int) (bool, error) {
	return false, labkit.TODO("Tx.Update")
}

// Commit ends the transaction: its versions become visible to every view
// taken from now on, and its locks go.
func (tx *Tx) Commit() error {
	tx.s.mu.Lock()
	defer tx.s.mu.Unlock()
	if tx.done {
		return isolation.ErrDone
	}
	tx.end()
	return nil
}

// Rollback undoes tx.undo, newest change first: an update restores the
// row's previous version from its undo pointer, an insert removes the row
// (step 3's tx.removeInserted). Then it ends the transaction.
//
// Step 2.
func (tx *Tx) Rollback() error {
	return labkit.TODO("Tx.Rollback")
}

// Scan is a plain SELECT of the rows with lo <= id <= hi, in id order,
// read like Get reads one row.
//
// Step 3 (SERIALIZABLE is step 5's lockingScan).
func (tx *Tx) Scan(lo, hi int) ([]isolation.Row, error) {
	s := tx.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if tx.done {
		return nil, isolation.ErrDone
	}
	if tx.level == isolation.Serializable {
		return tx.lockingScan(lo, hi)
	}
	return nil, labkit.TODO("Tx.Scan")
}

// Insert adds a row: isolation.ErrDuplicate if the id exists (in the
// newest data, whatever tx's snapshot shows). The new row's version is
// tx's, with no undo; log the insert in tx.undo. Between the duplicate
// check and the insert, tx.lockInsert(id) may wait, or fail (step 4's;
// the stand-in lets every insert go ahead).
//
// Step 3.
func (tx *Tx) Insert(id, value int) error {
	if id == supremum {
		return errors.New("id out of range")
	}
	return labkit.TODO("Tx.Insert")
}

// removeInserted takes back a row tx inserted, for Rollback: the row and
// its key in s.keys.
//
// Step 3. The caller holds s.mu.
func (tx *Tx) removeInserted(id int) {}

// ScanForUpdate is SELECT ... FOR UPDATE: a current read under exclusive
// locks, done by lockRange.
//
// Step 4.
func (tx *Tx) ScanForUpdate(lo, hi int) ([]isolation.Row, error) {
	return nil, labkit.TODO("Tx.ScanForUpdate")
}

// lockRange locks every row with lo <= id <= hi in mode m and returns
// their newest versions. At REPEATABLE READ and above each lock is a
// next-key lock (the record and the gap before it) and the first key
// after hi (s.nextKey(hi), maybe supremum) gets one too, so no insert can
// land anywhere in the range; below, only the records are locked. When a
// lock conflicts, wait and start the scan again: the rows in the range
// may have changed meanwhile.
//
// Step 4. The caller holds s.mu.
func (tx *Tx) lockRange(lo, hi int, m lockMode) []isolation.Row {
	return nil
}

// conflicts reports whether another transaction holds a lock on key's
// record that m cannot share.
//
// Step 4.
func (tx *Tx) conflicts(key int, m lockMode) bool {
	return false
}

// gapLocked reports whether another transaction locks the gap before key,
// which is what an insert into that gap must wait for.
//
// Step 4.
func (tx *Tx) gapLocked(key int) bool {
	return false
}

// lockRow is Update's exclusive record lock: wait while another
// transaction's lock on the row conflicts (acquire does it).
//
// Step 4. The caller holds s.mu.
func (tx *Tx) lockRow(id int) {}

// lockInsert waits while another transaction locks the gap id falls into
// (gapLocked on s.nextKey(id); the insert intention lock), and returns
// isolation.ErrDuplicate if the row appeared meanwhile; then it grants tx
// an exclusive lock on the new row, held until tx ends.
//
// Step 4. The caller holds s.mu.
func (tx *Tx) lockInsert(id int) error { return nil }

// lockingGet is Get at SERIALIZABLE, where InnoDB makes every plain
// SELECT a locking read: a shared record lock on the row, or a shared
// gap lock where it would be (acquire), then the newest version.
//
// Step 5. The caller holds s.mu.
func (tx *Tx) lockingGet(id int) (int, bool, error) {
	return 0, false, labkit.TODO("Tx.lockingGet")
}

// lockingScan is Scan at SERIALIZABLE: lockRange in shared mode.
//
// Step 5. The caller holds s.mu.
func (tx *Tx) lockingScan(lo, hi int) ([]isolation.Row, error) {
	return nil, labkit.TODO("Tx.lockingScan")
}

// acquire waits until no other transaction's lock conflicts with a lock
// on key's record in mode m, then grants it (with the gap when gap is set).
func (tx *Tx) acquire(key int, m lockMode, record, gap bool) {
	for record && tx.conflicts(key, m) {
		tx.wait()
	}
	tx.grant(key, m, record, gap)
}

// grant records the lock, unless tx already holds one at least as strong.
func (tx *Tx) grant(key int, m lockMode, record, gap bool) {
	for _, l := range tx.s.locks[key] {
		if l.trx == tx.id && l.mode >= m && (l.record || !record) && (l.gap || !gap) {
			return
		}
	}
	tx.s.locks[key] = append(tx.s.locks[key], lock{trx: tx.id, mode: m, record: record, gap: gap})
}

// wait releases the store's mutex until some transaction ends.
func (tx *Tx) wait() { tx.s.changed.Wait() }

// end marks tx done, drops it from the active set, releases its locks and
// wakes every waiter to re-check its conflicts. The caller holds s.mu.
func (tx *Tx) end() {
	s := tx.s
	tx.done = true
	delete(s.active, tx.id)
	for k, ls := range s.locks {
		ls = slices.DeleteFunc(ls, func(l lock) bool { return l.trx == tx.id })
		if len(ls) == 0 {
			delete(s.locks, k)
		} else {
			s.locks[k] = ls
		}
	}
	s.changed.Broadcast()
}

// keysIn returns the index keys with lo <= id <= hi, in order.
func (s *Store) keysIn(lo, hi int) []int {
	i, _ := slices.BinarySearch(s.keys, lo)
	j, _ := slices.BinarySearch(s.keys, hi+1)
	return slices.Clone(s.keys[i:j])
}

// nextKey is the first index key after id, or supremum.
func (s *Store) nextKey(id int) int {
	i, found := slices.BinarySearch(s.keys, id)
	if found {
		i++
	}
	if i < len(s.keys) {
		return s.keys[i]
	}
	return supremum
}
