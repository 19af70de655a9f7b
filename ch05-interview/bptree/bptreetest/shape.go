package bptreetest

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/grpclabs/labs/ch05-interview/bptree/page"
)

// checkShape walks the tree from its root with Peek (no reads counted) and
// checks what makes it a B+ tree: every leaf at the same depth (Height
// levels), internal pages with keys and children only, separators that
// bound their subtrees, pages at least half full after splits, and leaves
// linked left to right holding every key exactly once.
func checkShape(t *testing.T, d *page.Disk, tr Tree, fanout, leafCap, keys int) {
	t.Helper()
	w := &walker{t: t, d: d, tr: tr, fanout: fanout, leafCap: leafCap, seen: map[page.ID]bool{}}
	w.walk(tr.Root(), 0, 0, math.MaxUint64, true)
	if w.failed {
		return
	}
	// The leaf chain, from the leftmost leaf, is exactly the leaves in order.
	var chain []page.ID
	for id := w.leaves[0]; id != page.Nil && len(chain) <= len(w.leaves); id = d.Peek(id).Next {
		chain = append(chain, id)
	}
	if !slices.Equal(chain, w.leaves) {
		t.Errorf("following Next from the leftmost leaf visits pages %v; the leaves in key order are %v (each leaf's Next is its right neighbour, the last one's is page.Nil)", trim(chain), trim(w.leaves))
	}
	if w.count != keys {
		t.Errorf("the leaves hold %d keys, want %d", w.count, keys)
	}
}

type walker struct {
	t               *testing.T
	d               *page.Disk
	tr              Tree
	fanout, leafCap int
	seen            map[page.ID]bool
	leaves          []page.ID
	count           int
	failed          bool
}

func (w *walker) errorf(id page.ID, format string, args ...any) {
	w.t.Helper()
	if !w.failed {
		w.t.Errorf("page %d: %s", id, fmt.Sprintf(format, args...))
	}
	w.failed = true
}

// walk checks the subtree at id, whose keys k must satisfy lo <= k < hi
// (hi == MaxUint64 means unbounded).
func (w *walker) walk(id page.ID, depth int, lo, hi uint64, root bool) {
	w.t.Helper()
	if w.failed {
		return
	}
	p := w.d.Peek(id)
	if p == nil || id == page.Nil {
		w.errorf(id, "referenced but never allocated")
		return
	}
	if w.seen[id] {
		w.errorf(id, "reached twice: two parents point at it")
		return
	}
	w.seen[id] = true
	if !slices.IsSorted(p.Keys) || len(slices.Compact(slices.Clone(p.Keys))) != len(p.Keys) {
		w.errorf(id, "keys %v are not strictly increasing", trim64(p.Keys))
		return
	}
	for _, k := range p.Keys {
		if k < lo || (hi != math.MaxUint64 && k >= hi) {
			w.errorf(id, "key %d is outside [%d, %d), the range its parent's separators give this page", k, lo, hi)
			return
		}
	}
	if p.Leaf {
		if depth != w.tr.Height()-1 {
			w.errorf(id, "a leaf at depth %d; with Height() = %d every leaf is at depth %d", depth, w.tr.Height(), w.tr.Height()-1)
		}
		if len(p.Values) != len(p.Keys) || len(p.Children) != 0 {
			w.errorf(id, "a leaf with %d keys, %d values and %d children; a leaf holds one value per key and no children", len(p.Keys), len(p.Values), len(p.Children))
		}
		if min := (w.leafCap + 1) / 2; len(p.Keys) > w.leafCap || (!root && len(p.Keys) < min) {
			w.errorf(id, "a leaf with %d entries; it must hold at most %d and, unless it is the root, at least %d (split a full leaf into two halves)", len(p.Keys), w.leafCap, min)
		}
		w.leaves = append(w.leaves, id)
		w.count += len(p.Keys)
		return
	}
	if len(p.Values) != 0 || p.Next != page.Nil {
		w.errorf(id, "an internal page with %d values and Next %d; internal pages of a B+ tree hold only keys and children", len(p.Values), p.Next)
		return
	}
	if len(p.Children) != len(p.Keys)+1 {
		w.errorf(id, "an internal page with %d keys and %d children; it needs one more child than keys", len(p.Keys), len(p.Children))
		return
	}
	minKids := (w.fanout + 1) / 2
	if root {
		minKids = 2
	}
	if len(p.Children) > w.fanout || len(p.Children) < minKids {
		w.errorf(id, "an internal page with %d children; fanout %d allows at most %d and, %s, needs at least %d", len(p.Children), w.fanout, w.fanout, map[bool]string{true: "for the root", false: "below the root"}[root], minKids)
		return
	}
	for i, c := range p.Children {
		clo, chi := lo, hi
		if i > 0 {
			clo = p.Keys[i-1]
		}
		if i < len(p.Keys) {
			chi = p.Keys[i]
		}
		w.walk(c, depth+1, clo, chi, false)
	}
}

func trim(ids []page.ID) string {
	if len(ids) > 12 {
		return fmt.Sprint(ids[:12]) + "..."
	}
	return fmt.Sprint(ids)
}

func trim64(ks []uint64) string {
	if len(ks) > 12 {
		return fmt.Sprint(ks[:12]) + "..."
	}
	return fmt.Sprint(ks)
}

// spans is each leaf's first and last key, in order.
type spans [][2]uint64

func leafSpans(d *page.Disk, tr Tree) spans {
	var out spans
	p := d.Peek(tr.Root())
	for !p.Leaf {
		p = d.Peek(p.Children[0])
	}
	for {
		if len(p.Keys) > 0 {
			out = append(out, [2]uint64{p.Keys[0], p.Keys[len(p.Keys)-1]})
		}
		if p.Next == page.Nil {
			return out
		}
		p = d.Peek(p.Next)
	}
}

// covering is how many leaves hold a key in [lo, hi], at least 1.
func (s spans) covering(lo, hi uint64) int {
	n := 0
	for _, sp := range s {
		if sp[1] >= lo && sp[0] <= hi {
			n++
		}
	}
	return max(n, 1)
}
