// Package exercise is your copy of the sharding drill: three ways to place
// rows on shards by their shard key, and a Snowflake id generator. See
// ../README.md for the steps.
package exercise

import (
	"slices"

	"github.com/grpclabs/labs/scripts/labkit"
)

// Modulo places key on shard key % n: the classic user_id % n.
type Modulo struct{ n int }

// NewModulo returns a modulo placement over shards shards (at least one).
//
// Step 1.
func NewModulo(shards int) (*Modulo, error) {
	return nil, labkit.TODO("NewModulo")
}

func (m *Modulo) Shards() int { return m.n }

// Shard is key % n. Step 1.
func (m *Modulo) Shard(key uint64) int { return 0 }

// ShardsFor is the shards a query for the keys in [lo, hi] must visit.
func (m *Modulo) ShardsFor(lo, hi uint64) []int { return enumerate(m, lo, hi) }

// Range places key on the shard whose range holds it: shard i holds
// bounds[i-1] <= key < bounds[i] (shard 0 from 0, the last one to the end).
type Range struct{ bounds []uint64 }

// NewRange returns a range placement with len(bounds)+1 shards; it fails
// unless bounds are strictly increasing.
//
// Step 1.
func NewRange(bounds []uint64) (*Range, error) {
	return nil, labkit.TODO("NewRange")
}

func (r *Range) Shards() int { return len(r.bounds) + 1 }

// Shard is the number of bounds at or below key (slices.BinarySearch).
// Step 1.
func (r *Range) Shard(key uint64) int { return 0 }

// ShardsFor is every shard from lo's to hi's (none if lo > hi). Step 1.
func (r *Range) ShardsFor(lo, hi uint64) []int { return nil }

// placement is what enumerate needs.
type placement interface {
	Shards() int
	Shard(key uint64) int
}

// enumerate serves hash placements: neighbouring keys land anywhere, so a
// range with at least as many keys as shards can be on every shard; a
// shorter one visits its keys' shards.
func enumerate(p placement, lo, hi uint64) []int {
	if lo > hi {
		return nil
	}
	n := p.Shards()
	if hi-lo >= uint64(n-1) {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return all
	}
	var out []int
	for k := lo; ; k++ {
		if s := p.Shard(k); !slices.Contains(out, s) {
			out = append(out, s)
		}
		if k == hi {
			break
		}
	}
	slices.Sort(out)
	return out
}
