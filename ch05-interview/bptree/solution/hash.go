package solution

import (
	"cmp"
	"errors"
	"slices"

	"github.com/grpclabs/labs/ch05-interview/bptree/page"
)

// Hash is a static hash index: a fixed directory of bucket pages (kept in
// memory, like InnoDB's adaptive hash index), each with a chain of
// overflow pages when it fills up.
type Hash struct {
	d       *page.Disk
	buckets []page.ID
	cap     int
}

// NewHash returns an index of buckets bucket pages of bucketCap entries.
func NewHash(d *page.Disk, buckets, bucketCap int) (*Hash, error) {
	if buckets < 1 || bucketCap < 1 {
		return nil, errors.New("bptree: a hash index needs at least one bucket of at least one entry")
	}
	h := &Hash{d: d, buckets: make([]page.ID, buckets), cap: bucketCap}
	for i := range h.buckets {
		h.buckets[i] = d.Alloc(&page.Page{Leaf: true})
	}
	return h, nil
}

// bucket spreads keys with a multiplicative (Fibonacci) hash: neighbouring
// keys land in unrelated buckets, which is what makes a hash index fast
// for one key and useless for a range.
func (h *Hash) bucket(key uint64) page.ID {
	return h.buckets[(key*0x9E3779B97F4A7C15)%uint64(len(h.buckets))]
}

// Get reads the key's bucket page and its overflow pages until it finds
// the key: one read while buckets do not overflow.
func (h *Hash) Get(key uint64) (uint64, bool, error) {
	for id := h.bucket(key); id != page.Nil; {
		p := h.d.Read(id)
		if i := slices.Index(p.Keys, key); i >= 0 {
			return p.Values[i], true, nil
		}
		id = p.Next
	}
	return 0, false, nil
}

// Put replaces key where it is, or appends it to the first page of its
// chain with room, adding an overflow page when every page is full.
func (h *Hash) Put(key, value uint64) error {
	id := h.bucket(key)
	var free page.ID // first page of the chain with room
	var last page.ID
	for id != page.Nil {
		p := h.d.Read(id)
		if i := slices.Index(p.Keys, key); i >= 0 {
			p.Values[i] = value
			h.d.Write(id, p)
			return nil
		}
		if free == page.Nil && len(p.Keys) < h.cap {
			free = id
		}
		last, id = id, p.Next
	}
	if free == page.Nil {
		free = h.d.Alloc(&page.Page{Leaf: true})
		p := h.d.Read(last)
		p.Next = free
		h.d.Write(last, p)
	}
	p := h.d.Read(free)
	p.Keys, p.Values = append(p.Keys, key), append(p.Values, value)
	h.d.Write(free, p)
	return nil
}

// Range has no order to follow: it reads every page of every bucket,
// keeps the keys in [lo, hi], sorts them and yields them.
func (h *Hash) Range(lo, hi uint64, yield func(key, value uint64) bool) error {
	type kv struct{ k, v uint64 }
	var hits []kv
	for _, id := range h.buckets {
		for id != page.Nil {
			p := h.d.Read(id)
			for i, k := range p.Keys {
				if lo <= k && k <= hi {
					hits = append(hits, kv{k, p.Values[i]})
				}
			}
			id = p.Next
		}
	}
	slices.SortFunc(hits, func(a, b kv) int { return cmp.Compare(a.k, b.k) })
	for _, e := range hits {
		if !yield(e.k, e.v) {
			return nil
		}
	}
	return nil
}
