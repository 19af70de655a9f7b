// Package bptreetest is the bptree drill's suite. The exercise and the
// solution both run it through their one-screen *_test.go files.
//
// Every check compares the lab's indexes with a sorted reference on
// seeded random workloads, walks the tree's pages (without counting
// reads) to check its shape, and counts the pages each lookup reads.
package bptreetest

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/grpclabs/labs/ch05-interview/bptree/page"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch05-interview/bptree"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "Hash"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "Tree.Get and Tree.Put (one leaf)"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "Tree.Put (splits)"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "Tree.Range"}
)

// Index is what both indexes offer.
type Index interface {
	Get(key uint64) (value uint64, found bool, err error)
	Put(key, value uint64) error
	Range(lo, hi uint64, yield func(key, value uint64) bool) error
}

// Tree is the B+ tree: an Index whose shape the suite can inspect.
type Tree interface {
	Index
	Root() page.ID
	Height() int
}

// NewTree and NewHash are the lab's constructors.
type (
	NewTree[T Tree]  func(d *page.Disk, fanout, leafCap int) (T, error)
	NewHash[H Index] func(d *page.Disk, buckets, bucketCap int) (H, error)
)

// ref is the sorted reference every result is compared with.
type ref map[uint64]uint64

// sorted is r's keys in order, for many range checks on unchanged data.
func (r ref) sorted() []uint64 { return slices.Sorted(maps.Keys(r)) }

// rangeOf is what Range(lo, hi) must yield; keys is r.sorted().
func (r ref) rangeOf(keys []uint64, lo, hi uint64) [][2]uint64 {
	var out [][2]uint64
	i, _ := slices.BinarySearch(keys, lo)
	for ; i < len(keys) && keys[i] <= hi; i++ {
		out = append(out, [2]uint64{keys[i], r[keys[i]]})
	}
	return out
}

// collect runs Range and returns what it yielded and the pages it read.
func collect(t *testing.T, step labkit.Step, d *page.Disk, ix Index, lo, hi uint64) ([][2]uint64, int) {
	t.Helper()
	var got [][2]uint64
	before := d.Reads()
	err := ix.Range(lo, hi, func(k, v uint64) bool { got = append(got, [2]uint64{k, v}); return true })
	step.Require(t, err)
	return got, d.Reads() - before
}

// load puts keys (with values derived from them and from round) and
// mirrors them in r.
func load(t *testing.T, step labkit.Step, ix Index, r ref, keys []uint64, round uint64) {
	t.Helper()
	for _, k := range keys {
		v := k*10 + round
		step.Require(t, ix.Put(k, v))
		r[k] = v
	}
}

// checkGets looks every reference key up, and some absent ones, and
// returns the most pages a lookup read.
func checkGets(t *testing.T, step labkit.Step, d *page.Disk, ix Index, r ref, absent []uint64) (maxReads int) {
	t.Helper()
	bad := 0
	for _, k := range slices.Sorted(maps.Keys(r)) {
		before := d.Reads()
		v, ok, err := ix.Get(k)
		step.Require(t, err)
		maxReads = max(maxReads, d.Reads()-before)
		if (!ok || v != r[k]) && bad < 5 {
			bad++
			t.Errorf("Get(%d) = %d, %v; want %d, true", k, v, ok, r[k])
		}
	}
	for _, k := range absent {
		if _, in := r[k]; in {
			continue
		}
		before := d.Reads()
		v, ok, err := ix.Get(k)
		step.Require(t, err)
		maxReads = max(maxReads, d.Reads()-before)
		if ok && bad < 5 {
			bad++
			t.Errorf("Get(%d) = %d, true for a key never put", k, v)
		}
	}
	return maxReads
}

func randomKeys(seed uint64, n int, below uint64) []uint64 {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = rng.Uint64N(below)
	}
	return keys
}

// diffPairs describes how a Range result differs from the reference.
func diffPairs(got, want [][2]uint64) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("yielded %d entries, want %d; entry %d is key %d = %d, want key %d = %d", len(got), len(want), i, got[i][0], got[i][1], want[i][0], want[i][1])
		}
	}
	if len(got) > len(want) {
		return fmt.Sprintf("yielded %d entries, want %d; the first extra one is key %d", len(got), len(want), got[len(want)][0])
	}
	return fmt.Sprintf("yielded %d entries, want %d; the first missing one is key %d", len(got), len(want), want[len(got)][0])
}

func descending(n uint64) []uint64 {
	keys := seq(0, n)
	slices.Reverse(keys)
	return keys
}

func seq(from, n uint64) []uint64 {
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = from + uint64(i)
	}
	return keys
}

// TestHash: step 1, a static hash index with overflow chains.
func TestHash[H Index](t *testing.T, newHash NewHash[H]) {
	d := page.NewDisk()
	h, err := newHash(d, 64, 4)
	step1.Require(t, err)
	step1.Require(t, h.Put(1, 1))

	t.Run("random", func(t *testing.T) {
		d := page.NewDisk()
		h, err := newHash(d, 64, 4)
		step1.Require(t, err)
		r := ref{}
		load(t, step1, h, r, randomKeys(1, 1500, 1000), 1) // ~780 distinct keys: about 3 pages per bucket
		load(t, step1, h, r, randomKeys(2, 500, 1000), 2)  // overwrites
		checkGets(t, step1, d, h, r, seq(1000, 50))
		if d.Pages() <= 64 {
			t.Errorf("%d keys in 64 buckets of 4 entries use %d pages; a full bucket needs overflow pages", len(r), d.Pages())
		}
		rng := rand.New(rand.NewPCG(3, 3))
		keys := r.sorted()
		for range 50 {
			lo := rng.Uint64N(1000)
			hi := lo + rng.Uint64N(200)
			got, reads := collect(t, step1, d, h, lo, hi)
			if want := r.rangeOf(keys, lo, hi); !slices.Equal(got, want) {
				t.Fatalf("Range(%d, %d): %s (want every key in the range, in key order)", lo, hi, diffPairs(got, want))
			}
			if reads != d.Pages() {
				t.Fatalf("Range(%d, %d) read %d pages; the index has %d and a hash index must read them all: any bucket may hold a key in the range", lo, hi, reads, d.Pages())
			}
		}
	})

	t.Run("one_read_per_lookup", func(t *testing.T) {
		d := page.NewDisk()
		h, err := newHash(d, 256, 64) // room to spare: no bucket overflows
		step1.Require(t, err)
		r := ref{}
		load(t, step1, h, r, randomKeys(4, 2000, 1<<40), 1)
		if d.Pages() != 256 {
			t.Fatalf("2000 keys in 256 buckets of 64 entries use %d pages, want exactly the 256 bucket pages", d.Pages())
		}
		if n := checkGets(t, step1, d, h, r, randomKeys(5, 100, 1<<40)); n != 1 {
			t.Errorf("a lookup read up to %d pages; with no overflow pages every lookup reads exactly its bucket's page", n)
		}
		var n int
		err = h.Range(0, 1<<40, func(uint64, uint64) bool { n++; return n < 3 })
		step1.Require(t, err)
		if n != 3 {
			t.Errorf("Range kept calling yield after it returned false (%d calls)", n)
		}
	})
}

// TestTreeLeaf: step 2, a tree that fits in its root leaf.
func TestTreeLeaf[T Tree](t *testing.T, newTree NewTree[T]) {
	if _, err := newTree(page.NewDisk(), 2, 4); err == nil {
		t.Error("NewTree with fanout 2 succeeded; an internal page needs room for at least 3 children")
	}
	d := page.NewDisk()
	tr, err := newTree(d, 4, 8)
	step2.Require(t, err)
	_, _, err = tr.Get(1)
	step2.Require(t, err)
	r := ref{}
	load(t, step2, tr, r, []uint64{50, 10, 40, 20, 30, 70, 60}, 1)
	load(t, step2, tr, r, []uint64{40, 10}, 2)
	if n := checkGets(t, step2, d, tr, r, []uint64{0, 15, 80}); n != 1 {
		t.Errorf("a lookup in a one-leaf tree read up to %d pages, want 1", n)
	}
	if tr.Height() != 1 {
		t.Errorf("Height() = %d for 7 keys in a leaf of 8, want 1", tr.Height())
	}
	root := d.Peek(tr.Root())
	if root == nil || !root.Leaf || !slices.IsSorted(root.Keys) || len(root.Keys) != 7 {
		t.Fatalf("the root page = %+v; want a leaf holding the 7 keys in order", root)
	}
	if d.Pages() != 1 {
		t.Errorf("the tree uses %d pages before any split, want 1", d.Pages())
	}
}

// TestTreeSplit: step 3, splits and a growing root, on random, ascending
// and descending inserts.
func TestTreeSplit[T Tree](t *testing.T, newTree NewTree[T]) {
	{
		tr, err := newTree(page.NewDisk(), 4, 2)
		step3.Require(t, err)
		step2.Require(t, tr.Put(1, 1)) // step 2 comes first
		step3.Require(t, tr.Put(2, 2))
		step3.Require(t, tr.Put(3, 3)) // a leaf of 2 splits
		if _, _, err := tr.Get(3); labkit.IsTODO(err) {
			step2.Check(t, err)
		}
	}
	workloads := map[string][]uint64{
		"random":     randomKeys(7, 3000, 5000),
		"ascending":  seq(0, 1000),
		"descending": descending(1000),
	}
	for _, cfg := range [][2]int{{3, 2}, {4, 3}, {5, 4}, {4, 16}, {64, 8}} {
		for _, name := range []string{"random", "ascending", "descending"} {
			t.Run(fmt.Sprintf("fanout%d_leaf%d/%s", cfg[0], cfg[1], name), func(t *testing.T) {
				d := page.NewDisk()
				tr, err := newTree(d, cfg[0], cfg[1])
				step3.Require(t, err)
				r := ref{}
				load(t, step3, tr, r, workloads[name], 1)
				load(t, step3, tr, r, randomKeys(8, 200, 5000)[:100], 2)
				checkShape(t, d, tr, cfg[0], cfg[1], len(r))
				if n := checkGets(t, step3, d, tr, r, randomKeys(9, 200, 6000)); n != tr.Height() {
					t.Errorf("a lookup read up to %d pages in a tree of height %d; every lookup reads one page per level", n, tr.Height())
				}
			})
		}
	}
}

// TestRange: step 4, range scans along the leaf chain, against the hash
// index's full scan.
func TestRange[T Tree, H Index](t *testing.T, newTree NewTree[T], newHash NewHash[H]) {
	{
		tr, err := newTree(page.NewDisk(), 4, 4)
		step4.Require(t, err)
		step4.Require(t, tr.Range(0, 1, func(uint64, uint64) bool { return true }))
		step2.Require(t, tr.Put(1, 1))
	}
	for _, cfg := range [][2]int{{3, 2}, {4, 4}, {16, 8}} {
		t.Run(fmt.Sprintf("fanout%d_leaf%d", cfg[0], cfg[1]), func(t *testing.T) {
			d := page.NewDisk()
			tr, err := newTree(d, cfg[0], cfg[1])
			step4.Require(t, err)
			r := ref{}
			load(t, step3, tr, r, randomKeys(11, 2000, 4000), 1)
			leaves := leafSpans(d, tr)
			keys := r.sorted()
			rng := rand.New(rand.NewPCG(12, 12))
			for range 200 {
				lo := rng.Uint64N(4200)
				hi := lo + rng.Uint64N(300)
				got, reads := collect(t, step4, d, tr, lo, hi)
				if want := r.rangeOf(keys, lo, hi); !slices.Equal(got, want) {
					t.Fatalf("Range(%d, %d): %s", lo, hi, diffPairs(got, want))
				}
				touched := leaves.covering(lo, hi)
				// The descent (Height pages) lands on a leaf that may hold no key
				// in range; then come the leaves that do, and perhaps one more
				// to see that the range has ended.
				if limit := tr.Height() + touched + 1; reads > limit || reads < tr.Height() {
					t.Fatalf("Range(%d, %d) read %d pages; the keys in range sit in %d leaves of a tree of height %d, so it should read %d to %d: descend once to the first leaf, then follow Next", lo, hi, reads, touched, tr.Height(), tr.Height(), limit)
				}
			}
			// Stopping early stops reading.
			before := d.Reads()
			n := 0
			step4.Require(t, tr.Range(0, 1<<62, func(uint64, uint64) bool { n++; return false }))
			if n != 1 {
				t.Errorf("yield returned false, yet Range called it %d times", n)
			}
			if reads := d.Reads() - before; reads > tr.Height()+1 {
				t.Errorf("a Range stopped after one key read %d pages; a tree of height %d needs at most %d", reads, tr.Height(), tr.Height()+1)
			}
			got, _ := collect(t, step4, d, tr, 10, 9)
			if len(got) != 0 {
				t.Errorf("Range(10, 9) yielded %v; an empty range yields nothing", got)
			}
		})
	}

	t.Run("tree_vs_hash", func(t *testing.T) {
		keys := rand.New(rand.NewPCG(13, 13)).Perm(20000)
		td, hd := page.NewDisk(), page.NewDisk()
		tr, err := newTree(td, 64, 16)
		step4.Require(t, err)
		h, err := newHash(hd, 20000/16*4/3, 16)
		step1.Require(t, err)
		for _, k := range keys {
			step3.Require(t, tr.Put(uint64(k), uint64(k)))
			step1.Require(t, h.Put(uint64(k), uint64(k)))
		}
		tg, tr100 := rangeReads(t, td, tr)
		hg, hr100 := rangeReads(t, hd, h)
		t.Logf("20,000 keys: tree height %d, %d pages; hash %d pages. Pages read: lookup tree %d, hash %d; range of 100 keys tree %d, hash %d",
			tr.Height(), td.Pages(), hd.Pages(), tg, hg, tr100, hr100)
		if hr100 != hd.Pages() || tr100*50 > hr100 {
			t.Errorf("a range of 100 keys read %d pages in the tree and %d in the hash index (of %d); the tree should read its height plus about 100/16 leaves, the hash index every page", tr100, hr100, hd.Pages())
		}
		if tg != tr.Height() || hg > 2 {
			t.Errorf("one lookup read %d pages in the tree (height %d) and %d in the hash index", tg, tr.Height(), hg)
		}
	})
}

// rangeReads returns the pages read by one lookup and by one range of 100
// keys in the middle of 0..19999.
func rangeReads(t *testing.T, d *page.Disk, ix Index) (get, range100 int) {
	t.Helper()
	before := d.Reads()
	if _, ok, err := ix.Get(12345); err != nil || !ok {
		t.Fatalf("Get(12345) = %v, %v", ok, err)
	}
	get = d.Reads() - before
	got, reads := collect(t, step4, d, ix, 10000, 10099)
	if len(got) != 100 {
		t.Fatalf("Range(10000, 10099) over the keys 0..19999 yielded %d keys, want 100", len(got))
	}
	return get, reads
}
