package exercise

import (
	"errors"

	"github.com/grpclabs/labs/ch05-interview/bptree/page"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Hash is a static hash index: a fixed directory of bucket pages (kept in
// memory), each with a chain of overflow pages (linked through Next) when
// it fills up.
type Hash struct {
	d       *page.Disk
	buckets []page.ID
	cap     int // entries per page
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

// bucket is the first page of key's bucket (a multiplicative hash).
func (h *Hash) bucket(key uint64) page.ID {
	return h.buckets[(key*0x9E3779B97F4A7C15)%uint64(len(h.buckets))]
}

// Get looks through key's bucket page, then its overflow pages.
//
// Step 1.
func (h *Hash) Get(key uint64) (uint64, bool, error) {
	return 0, false, labkit.TODO("Hash.Get")
}

// Put replaces key's value where it is, or adds it to the first page of
// its chain with room (fewer than h.cap entries), allocating an overflow
// page at the end of the chain when all are full.
//
// Step 1.
func (h *Hash) Put(key, value uint64) error {
	return labkit.TODO("Hash.Put")
}

// Range yields the keys in [lo, hi] in order. A hash keeps no order: read
// every page of every bucket, keep the keys in range, sort, yield; stop
// when yield returns false.
//
// Step 1.
func (h *Hash) Range(lo, hi uint64, yield func(key, value uint64) bool) error {
	return labkit.TODO("Hash.Range")
}
