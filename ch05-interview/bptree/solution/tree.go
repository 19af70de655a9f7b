// Package solution is the bptree drill's reference: a B+ tree whose
// internal pages hold only keys and whose leaves are linked, and a static
// hash index, both on the counted pages of package page.
package solution

import (
	"errors"
	"slices"

	"github.com/grpclabs/labs/ch05-interview/bptree/page"
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
// least 2). InnoDB's 16 KiB pages hold about 1,170 children (an 8-byte
// key and a 6-byte page number each) and, for rows of about 1 KiB, 16
// rows per leaf.
func NewTree(d *page.Disk, fanout, leafCap int) (*Tree, error) {
	if fanout < 3 || leafCap < 2 {
		return nil, errors.New("bptree: fanout must be at least 3 and leafCap at least 2")
	}
	return &Tree{d: d, fanout: fanout, leafCap: leafCap, root: d.Alloc(&page.Page{Leaf: true}), height: 1}, nil
}

// Root is the root page's id.
func (t *Tree) Root() page.ID { return t.root }

// Height is the number of levels: every lookup reads this many pages.
func (t *Tree) Height() int { return t.height }

// child is the index of the child of internal page p that holds key: the
// first separator greater than key.
func child(p *page.Page, key uint64) int {
	i, found := slices.BinarySearch(p.Keys, key)
	if found {
		i++ // keys equal to a separator live to its right
	}
	return i
}

// leaf reads its way from the root to the leaf that holds key.
func (t *Tree) leaf(key uint64) *page.Page {
	p := t.d.Read(t.root)
	for !p.Leaf {
		p = t.d.Read(p.Children[child(p, key)])
	}
	return p
}

// Get reads Height pages: one per level.
func (t *Tree) Get(key uint64) (uint64, bool, error) {
	p := t.leaf(key)
	if i, ok := slices.BinarySearch(p.Keys, key); ok {
		return p.Values[i], true, nil
	}
	return 0, false, nil
}

// Put inserts or replaces key. A full leaf splits in two and hands its
// right half's first key up as a separator; a full internal page splits
// around its middle key, which moves up; a root that splits makes the
// tree one level taller.
func (t *Tree) Put(key, value uint64) error {
	sep, right, err := t.put(t.root, key, value)
	if err != nil || right == page.Nil {
		return err
	}
	return t.grow(sep, right)
}

// grow puts a new root above the old one, which split into itself and
// right around sep: the tree is one level taller.
func (t *Tree) grow(sep uint64, right page.ID) error {
	t.root = t.d.Alloc(&page.Page{Keys: []uint64{sep}, Children: []page.ID{t.root, right}})
	t.height++
	return nil
}

// put inserts into the subtree at id. If the subtree's top page split, it
// returns the separator and the new right sibling the parent must link
// (page.Nil: no split).
func (t *Tree) put(id page.ID, key, value uint64) (uint64, page.ID, error) {
	p := t.d.Read(id)
	if p.Leaf {
		i, found := slices.BinarySearch(p.Keys, key)
		if found {
			p.Values[i] = value
			t.d.Write(id, p)
			return 0, page.Nil, nil
		}
		p.Keys = slices.Insert(p.Keys, i, key)
		p.Values = slices.Insert(p.Values, i, value)
		if len(p.Keys) > t.leafCap {
			return t.splitLeaf(id, p)
		}
		t.d.Write(id, p)
		return 0, page.Nil, nil
	}

	i := child(p, key)
	sep, right, err := t.put(p.Children[i], key, value)
	if err != nil || right == page.Nil {
		return 0, page.Nil, err
	}
	p.Keys = slices.Insert(p.Keys, i, sep)
	p.Children = slices.Insert(p.Children, i+1, right)
	if len(p.Children) > t.fanout {
		return t.splitInternal(id, p)
	}
	t.d.Write(id, p)
	return 0, page.Nil, nil
}

// splitLeaf moves the upper half of the over-full leaf p into a new leaf
// linked after it. The new leaf's first key is the separator: it stays in
// the leaf too, since only leaves hold entries.
func (t *Tree) splitLeaf(id page.ID, p *page.Page) (uint64, page.ID, error) {
	mid := len(p.Keys) / 2
	r := &page.Page{Leaf: true, Keys: slices.Clone(p.Keys[mid:]), Values: slices.Clone(p.Values[mid:]), Next: p.Next}
	rid := t.d.Alloc(r)
	p.Keys, p.Values, p.Next = slices.Clip(p.Keys[:mid]), slices.Clip(p.Values[:mid]), rid
	t.d.Write(id, p)
	return r.Keys[0], rid, nil
}

// splitInternal moves the upper half of the over-full internal page p
// into a new page. The middle key moves up to the parent and stays in
// neither half: the children on each side already bound it.
func (t *Tree) splitInternal(id page.ID, p *page.Page) (uint64, page.ID, error) {
	mid := len(p.Keys) / 2
	up := p.Keys[mid]
	r := &page.Page{Keys: slices.Clone(p.Keys[mid+1:]), Children: slices.Clone(p.Children[mid+1:])}
	rid := t.d.Alloc(r)
	p.Keys, p.Children = slices.Clip(p.Keys[:mid]), slices.Clip(p.Children[:mid+1])
	t.d.Write(id, p)
	return up, rid, nil
}

// Range calls yield for every key in [lo, hi] in order, until yield
// returns false. It descends once, to the leaf holding lo, then follows
// the leaves' Next links: Height-1 internal pages plus one page per leaf
// the range covers.
func (t *Tree) Range(lo, hi uint64, yield func(key, value uint64) bool) error {
	if lo > hi {
		return nil
	}
	p := t.leaf(lo)
	i, _ := slices.BinarySearch(p.Keys, lo)
	for {
		for ; i < len(p.Keys); i++ {
			if p.Keys[i] > hi || !yield(p.Keys[i], p.Values[i]) {
				return nil
			}
		}
		if p.Next == page.Nil {
			return nil
		}
		p, i = t.d.Read(p.Next), 0
	}
}
