package bptreetest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/grpclabs/labs/ch05-interview/bptree/page"
)

// BenchmarkIndexes loads 1,048,576 keys (0..n-1, in random order) into a
// B+ tree with InnoDB-sized pages (bplus1170: 1,170 children per internal
// page, 16 entries per leaf), into the same tree with the fan-out it would
// have if internal pages held rows too, as in a B-tree (bplus16), into the
// first tree again in ascending order, like an auto-increment key
// (bplus1170asc), and into a hash index of 16-entry buckets (hash), then measures a point lookup and range scans of 100 and
// 10,000 keys. Besides ns/op it reports pages/op (pages read per
// operation, as if none were cached), and per index its levels, its pages
// and how many of them are internal (not leaves).
func BenchmarkIndexes[T Tree, H Index](b *testing.B, newTree NewTree[T], newHash NewHash[H]) {
	const n = 1 << 20
	keys := rand.New(rand.NewPCG(42, 42)).Perm(n)
	type built struct {
		name     string
		d        *page.Disk
		ix       Index
		lvls     int
		internal int // pages above the leaves: what a buffer pool keeps to make every lookup one read
	}
	var indexes []built
	for _, cfg := range []struct {
		name            string
		fanout, leafCap int
		ascending       bool
	}{
		{"bplus1170", 1170, 16, false},
		{"bplus16", 16, 16, false},
		{"bplus1170asc", 1170, 16, true},
	} {
		d := page.NewDisk()
		tr, err := newTree(d, cfg.fanout, cfg.leafCap)
		if err != nil {
			b.Fatal(err)
		}
		for i, k := range keys {
			if cfg.ascending {
				k = i // keys 0..n-1 in order, like an auto-increment primary key
			}
			if err := tr.Put(uint64(k), uint64(k)); err != nil {
				b.Fatal(err)
			}
		}
		indexes = append(indexes, built{cfg.name, d, tr, tr.Height(), internalPages(d, tr.Root())})
	}
	d := page.NewDisk()
	h, err := newHash(d, n/12, 16) // 75% full on average
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range keys {
		if err := h.Put(uint64(k), uint64(k)); err != nil {
			b.Fatal(err)
		}
	}
	indexes = append(indexes, built{"hash", d, h, 1, 0})

	for _, ix := range indexes {
		for _, op := range []struct {
			name  string
			width uint64 // 0: a point lookup
		}{{"get", 0}, {"range100", 100}, {"range10000", 10000}} {
			if strings.HasSuffix(ix.name, "asc") && op.width > 0 {
				continue // the same tree shape as above, only fuller or emptier pages
			}
			b.Run(fmt.Sprintf("index=%s/op=%s", ix.name, op.name), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(7, 7))
				before := ix.d.Reads()
				for b.Loop() {
					lo := rng.Uint64N(n - op.width)
					if op.width == 0 {
						if _, ok, err := ix.ix.Get(lo); err != nil || !ok {
							b.Fatalf("Get(%d) = %v, %v", lo, ok, err)
						}
						continue
					}
					got := uint64(0)
					if err := ix.ix.Range(lo, lo+op.width-1, func(uint64, uint64) bool { got++; return true }); err != nil || got != op.width {
						b.Fatalf("Range yielded %d keys, %v", got, err)
					}
				}
				b.ReportMetric(float64(ix.d.Reads()-before)/float64(b.N), "pages/op")
				b.ReportMetric(float64(ix.lvls), "levels")
				b.ReportMetric(float64(ix.d.Pages()), "pages")
				b.ReportMetric(float64(ix.internal), "internal-pages")
			})
		}
	}
}

// internalPages counts the non-leaf pages under root, without counting reads.
func internalPages(d *page.Disk, root page.ID) int {
	p := d.Peek(root)
	if p.Leaf {
		return 0
	}
	n := 1
	for _, c := range p.Children {
		n += internalPages(d, c)
	}
	return n
}
