// Package solution is the sharding drill's reference: three ways to place
// rows on shards by their shard key (modulo, ranges, a consistent-hash
// ring with virtual nodes) and a Snowflake id generator.
package solution

import (
	"errors"
	"slices"
)

// Modulo places key on shard key % n: the classic user_id % n.
type Modulo struct{ n int }

// NewModulo returns a modulo placement over shards shards.
func NewModulo(shards int) (*Modulo, error) {
	if shards < 1 {
		return nil, errors.New("sharding: need at least one shard")
	}
	return &Modulo{n: shards}, nil
}

func (m *Modulo) Shards() int          { return m.n }
func (m *Modulo) Shard(key uint64) int { return int(key % uint64(m.n)) }

// ShardsFor is the shards a query for the keys in [lo, hi] must visit:
// the keys' own shards when there are fewer keys than shards, else all.
func (m *Modulo) ShardsFor(lo, hi uint64) []int { return enumerate(m, lo, hi) }

// Range places key on the shard whose range holds it: shard i holds
// bounds[i-1] <= key < bounds[i] (shard 0 from 0, the last one to the end).
type Range struct{ bounds []uint64 }

// NewRange returns a range placement with len(bounds)+1 shards; bounds
// must be strictly increasing.
func NewRange(bounds []uint64) (*Range, error) {
	for i := 1; i < len(bounds); i++ {
		if bounds[i] <= bounds[i-1] {
			return nil, errors.New("sharding: range bounds must be strictly increasing")
		}
	}
	return &Range{bounds: slices.Clone(bounds)}, nil
}

func (r *Range) Shards() int { return len(r.bounds) + 1 }

// Shard is the number of bounds at or below key.
func (r *Range) Shard(key uint64) int {
	i, found := slices.BinarySearch(r.bounds, key)
	if found {
		i++
	}
	return i
}

// ShardsFor is every shard from lo's to hi's: a range query stays on the
// few shards that hold the range.
func (r *Range) ShardsFor(lo, hi uint64) []int {
	if lo > hi {
		return nil
	}
	var out []int
	for s := r.Shard(lo); s <= r.Shard(hi); s++ {
		out = append(out, s)
	}
	return out
}

// placement is what enumerate needs.
type placement interface {
	Shards() int
	Shard(key uint64) int
}

// enumerate serves hash placements: neighbouring keys land anywhere, so a
// range with at least as many keys as shards can be on every shard.
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
