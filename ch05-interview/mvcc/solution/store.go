// Package solution is the mvcc drill's reference: a table with
// multi-version rows, InnoDB's read views, and its record, gap and
// next-key locks, small enough to read in one sitting.
package solution

import (
	"errors"
	"math"
	"slices"
	"sync"

	"github.com/grpclabs/labs/ch05-interview/mvcc/isolation"
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
// a transaction that must wait for a lock waits on changed, which is
// broadcast whenever a transaction ends and its locks go.
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
// no such row): what a reader walks to find the version it may see.
func (s *Store) History(id int) []isolation.Version {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []isolation.Version
	for v := s.rows[id]; v != nil; v = v.undo {
		out = append(out, isolation.Version{Value: v.value, TrxID: v.trx})
	}
	return out
}

// Begin starts a transaction. InnoDB gives a transaction its id at its
// first write; here every transaction gets one at once, which changes no
// result of the schedules.
func (s *Store) Begin(level isolation.Level) *Tx {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := &Tx{s: s, id: s.nextTrx, level: level}
	s.nextTrx++
	s.active[tx.id] = true
	return tx
}

// Tx is one transaction. Its methods are safe to call from any goroutine,
// one at a time.
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

// ReadView returns the view a snapshot read takes now: a fresh one for
// every statement at READ COMMITTED, the first one for the whole
// transaction at REPEATABLE READ.
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

func (tx *Tx) readView() (*isolation.ReadView, error) {
	switch tx.level {
	case isolation.ReadCommitted:
		return tx.s.takeView(tx.id), nil
	case isolation.RepeatableRead:
		if tx.view == nil {
			tx.view = tx.s.takeView(tx.id)
		}
		return tx.view, nil
	}
	return nil, isolation.ErrNoReadView
}

// takeView snapshots the running transactions for creator.
func (s *Store) takeView(creator isolation.TrxID) *isolation.ReadView {
	v := &isolation.ReadView{MaxTrxID: s.nextTrx, MinTrxID: s.nextTrx, CreatorTrxID: creator}
	for id := range s.active {
		v.MIDs = append(v.MIDs, id)
	}
	slices.Sort(v.MIDs)
	if len(v.MIDs) > 0 {
		v.MinTrxID = v.MIDs[0]
	}
	return v
}

// Visible is InnoDB's rule: may a reader holding view see a version
// written by transaction trx?
func Visible(view isolation.ReadView, trx isolation.TrxID) bool {
	switch {
	case trx == view.CreatorTrxID:
		return true // our own writes
	case trx < view.MinTrxID:
		return true // committed before anything the view saw running
	case trx >= view.MaxTrxID:
		return false // began after the view was taken
	default:
		_, running := slices.BinarySearch(view.MIDs, trx)
		return !running // committed before the view, unless it was still running
	}
}

// visible walks the undo chain from head to the first version view may
// see; nil means the row does not exist for this reader.
func visible(head *version, view *isolation.ReadView) *version {
	for v := head; v != nil; v = v.undo {
		if Visible(*view, v.trx) {
			return v
		}
	}
	return nil
}

// Get is a plain SELECT of one row.
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
	if tx.level == isolation.ReadUncommitted {
		if v := s.rows[id]; v != nil {
			return v.value, true, nil // the newest version, committed or not
		}
		return 0, false, nil
	}
	view, _ := tx.readView()
	if v := visible(s.rows[id], view); v != nil {
		return v.value, true, nil
	}
	return 0, false, nil
}

// Scan is a plain SELECT of the rows with lo <= id <= hi.
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
	if tx.level == isolation.ReadUncommitted {
		var out []isolation.Row
		for _, id := range s.keysIn(lo, hi) {
			out = append(out, isolation.Row{ID: id, Value: s.rows[id].value})
		}
		return out, nil
	}
	view, _ := tx.readView()
	var out []isolation.Row
	for _, id := range s.keysIn(lo, hi) {
		if v := visible(s.rows[id], view); v != nil {
			out = append(out, isolation.Row{ID: id, Value: v.value})
		}
	}
	return out, nil
}

// lockingGet is Get at SERIALIZABLE, where InnoDB makes every plain
// SELECT a locking read: a shared lock on the row, or on the gap where it
// would be, then the newest version. The caller holds s.mu.
func (tx *Tx) lockingGet(id int) (int, bool, error) {
	s := tx.s
	if _, ok := s.rows[id]; ok {
		tx.acquire(id, shared, true, false)
	} else {
		tx.acquire(s.nextKey(id), shared, false, true)
	}
	if v := s.rows[id]; v != nil {
		return v.value, true, nil
	}
	return 0, false, nil
}

// lockingScan is Scan at SERIALIZABLE: a current read under shared
// locks. The caller holds s.mu.
func (tx *Tx) lockingScan(lo, hi int) ([]isolation.Row, error) {
	return tx.lockRange(lo, hi, shared), nil
}

// ScanForUpdate is SELECT ... FOR UPDATE: a current read under exclusive
// locks.
func (tx *Tx) ScanForUpdate(lo, hi int) ([]isolation.Row, error) {
	tx.s.mu.Lock()
	defer tx.s.mu.Unlock()
	if tx.done {
		return nil, isolation.ErrDone
	}
	return tx.lockRange(lo, hi, exclusive), nil
}

// lockRange locks every row with lo <= id <= hi and reads its newest
// version. At REPEATABLE READ and above the locks are next-key locks
// (the row and the gap before it), and the first key after hi is locked
// too, so nothing can be inserted anywhere in the range. Below that, only
// the rows are locked. After a wait the scan starts again: the rows in the
// range may have changed while it slept.
func (tx *Tx) lockRange(lo, hi int, m lockMode) []isolation.Row {
	s := tx.s
	gaps := tx.level >= isolation.RepeatableRead
restart:
	for _, id := range s.keysIn(lo, hi) {
		if tx.conflicts(id, m) {
			tx.wait()
			goto restart
		}
		tx.grant(id, m, true, gaps)
	}
	if gaps {
		next := s.nextKey(hi)
		if next != supremum && tx.conflicts(next, m) {
			tx.wait()
			goto restart
		}
		tx.grant(next, m, next != supremum, true)
	}
	var out []isolation.Row
	for _, id := range s.keysIn(lo, hi) {
		out = append(out, isolation.Row{ID: id, Value: s.rows[id].value})
	}
	return out
}

// Update is UPDATE ... WHERE id = ?: a current read of the newest version
// under an exclusive lock, then a new version whose undo pointer keeps
// the old one.
func (tx *Tx) Update(id, value int) (bool, error) {
	s := tx.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if tx.done {
		return false, isolation.ErrDone
	}
	if _, ok := s.rows[id]; !ok {
		return false, nil
	}
	tx.lockRow(id)
	head := s.rows[id]
	if head == nil {
		return false, nil // an uncommitted insert we waited for was rolled back
	}
	s.rows[id] = &version{value: value, trx: tx.id, undo: head}
	tx.undo = append(tx.undo, change{id: id})
	return true, nil
}

// Insert adds a row, once lockInsert lets it.
func (tx *Tx) Insert(id, value int) error {
	s := tx.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if tx.done {
		return isolation.ErrDone
	}
	if id == supremum {
		return errors.New("id out of range")
	}
	if _, ok := s.rows[id]; ok {
		return isolation.ErrDuplicate
	}
	if err := tx.lockInsert(id); err != nil {
		return err
	}
	i, _ := slices.BinarySearch(s.keys, id)
	s.keys = slices.Insert(s.keys, i, id)
	s.rows[id] = &version{value: value, trx: tx.id}
	tx.undo = append(tx.undo, change{id: id, inserted: true})
	return nil
}

// lockRow is Update's exclusive record lock: it waits while another
// transaction's lock on the row conflicts.
func (tx *Tx) lockRow(id int) { tx.acquire(id, exclusive, true, false) }

// lockInsert waits while another transaction holds a lock on the gap id
// falls into (the insert intention lock), and fails if the row appeared
// meanwhile; then the new row is tx's, under an exclusive lock, until it
// ends.
func (tx *Tx) lockInsert(id int) error {
	for tx.gapLocked(tx.s.nextKey(id)) {
		tx.wait()
		if _, ok := tx.s.rows[id]; ok {
			return isolation.ErrDuplicate
		}
	}
	tx.grant(id, exclusive, true, false)
	return nil
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

// Rollback undoes the transaction's changes, newest first, by restoring
// each row's previous version from its undo pointer (or removing a row it
// inserted), then ends it.
func (tx *Tx) Rollback() error {
	s := tx.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if tx.done {
		return isolation.ErrDone
	}
	for _, c := range slices.Backward(tx.undo) {
		if c.inserted {
			tx.removeInserted(c.id)
			continue
		}
		s.rows[c.id] = s.rows[c.id].undo
	}
	tx.end()
	return nil
}

// removeInserted takes back a row tx inserted: the row and its key.
func (tx *Tx) removeInserted(id int) {
	s := tx.s
	delete(s.rows, id)
	i, _ := slices.BinarySearch(s.keys, id)
	s.keys = slices.Delete(s.keys, i, i+1)
}

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
	s.changed.Broadcast() // waiters re-check their conflicts
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

// conflicts reports whether another transaction holds a lock on key's
// record that m cannot share: shared locks share, nothing else does.
func (tx *Tx) conflicts(key int, m lockMode) bool {
	for _, l := range tx.s.locks[key] {
		if l.trx != tx.id && l.record && (l.mode == exclusive || m == exclusive) {
			return true
		}
	}
	return false
}

// gapLocked reports whether another transaction locks the gap before key.
// Gap locks never conflict with each other; they only stop inserts.
func (tx *Tx) gapLocked(key int) bool {
	for _, l := range tx.s.locks[key] {
		if l.trx != tx.id && l.gap {
			return true
		}
	}
	return false
}

// acquire waits until the lock can be granted, then grants it.
func (tx *Tx) acquire(key int, m lockMode, record, gap bool) {
	for record && tx.conflicts(key, m) {
		tx.wait()
	}
	tx.grant(key, m, record, gap)
}

// grant records the lock, unless the transaction already holds one at
// least as strong on key.
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
