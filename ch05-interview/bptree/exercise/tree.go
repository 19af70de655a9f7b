// Package exercise is your copy of the bptree drill: a B+ tree and a hash
// index on the counted pages of package page. Read every page through
// t.d.Read (never keep a *page.Page between calls) and Write the pages
// you change: the suite counts the reads. See ../README.md for the steps.
package exercise

import (
	"errors"
	"slices"

	"github.com/grpclabs/labs/ch05-interview/bptree/page"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Tree is a B+ tree on a disk. Its root starts as an empty leaf.
type Tree struct {
	d       *page.Disk
	fanout  int // the most children an internal page holds
	leafCap int // the most entries a leaf holds
	root    page.ID
	height  int // levels, the leaves included
}

// NewTree returns an empty tree whose internal pages hold up to fanout
// children (at least 3) and whose leaves hold up to leafCap entries (at
// least 2).
func NewTree(d *page.Disk, fanout, leafCap int) (*Tree, error) {
	if fanout < 3 || leafCap < 2 {
		return nil, errors.New("bptree: fanout must be at least 3 and leafCap at least 2")
	}
	return &Tree{d: d, fanout: fanout, leafCap: leafCap, root: d.Alloc(&page.Page{Leaf: true}), height: 1}, nil
}

// Root is the root page's id.
func (t *Tree) Root() page.ID { return t.root }

// Height is the number of levels, the leaves included.
func (t *Tree) Height() int { return t.height }

// child is the index of the child of internal page p that holds key.
// Child i holds the keys k with p.Keys[i-1] <= k < p.Keys[i]: a key equal
// to a separator lives to its right.
func child(p *page.Page, key uint64) int {
	i, found := slices.BinarySearch(p.Keys, key)
	if found {
		i++
	}
	return i
}

// Get finds key: read the root, follow child(...) down to a leaf, then
// binary-search the leaf. One page read per level.
//
// Step 2.
func (t *Tree) Get(key uint64) (uint64, bool, error) {
	return 0, false, labkit.TODO("Tree.Get")
}

// Put inserts key, or replaces its value: find the leaf, insert in order
// (slices.Insert), Write the page. When the leaf then holds more than
// leafCap entries, call splitLeaf; the separator it returns goes into the
// parent, which may overflow in turn (splitInternal). When the root
// splits, call grow. A recursive put(id, key, value) that returns "I
// split: here is the separator and my new right sibling" keeps this short.
//
// Step 2 (splitLeaf, splitInternal and grow are step 3's).
func (t *Tree) Put(key, value uint64) error {
	return labkit.TODO("Tree.Put")
}

// splitLeaf moves the upper half of the over-full leaf p (page id) into a
// new leaf linked right after it (the new leaf's Next is p's old Next),
// and returns the new leaf's first key (the separator, which stays in the
// leaf) and its id.
//
// Step 3.
func (t *Tree) splitLeaf(id page.ID, p *page.Page) (uint64, page.ID, error) {
	return 0, page.Nil, labkit.TODO("Tree.splitLeaf")
}

// splitInternal moves the upper half of the over-full internal page p
// into a new internal page and returns the middle key, which moves up to
// the parent and stays in neither half, and the new page's id.
//
// Step 3.
func (t *Tree) splitInternal(id page.ID, p *page.Page) (uint64, page.ID, error) {
	return 0, page.Nil, labkit.TODO("Tree.splitInternal")
}

// grow puts a new root above the old one, which split into itself and
// right around sep: a new root with one key and two children makes the
// tree one level taller.
//
// Step 3.
func (t *Tree) grow(sep uint64, right page.ID) error {
	return labkit.TODO("Tree.grow")
}

// Range calls yield for every key in [lo, hi] in order, until yield
// returns false: descend once to the leaf that would hold lo, then walk
// right along Next, reading one page per leaf, until a key passes hi.
//
// Step 4.
func (t *Tree) Range(lo, hi uint64, yield func(key, value uint64) bool) error {
	return labkit.TODO("Tree.Range")
}
