package solution

import (
	"errors"
	"slices"
)

// Ring is consistent hashing: every shard owns vnodes points on a ring of
// 2^64 positions, and a key belongs to the first point at or after its
// hash (wrapping around). A shard's points depend only on the shard and
// the vnode number, so a ring with one more shard has the same points
// plus the new shard's: only the keys now closest to a new point move,
// and they all move to the new shard.
type Ring struct {
	n      int
	points []point // sorted by hash
}

type point struct {
	hash  uint64
	shard int
}

// NewRing returns a ring of shards shards with vnodes points each.
func NewRing(shards, vnodes int) (*Ring, error) {
	if shards < 1 || vnodes < 1 {
		return nil, errors.New("sharding: need at least one shard and one virtual node")
	}
	r := &Ring{n: shards}
	for s := range shards {
		for v := range vnodes {
			r.points = append(r.points, point{hash: mix(uint64(s)<<32 | uint64(v)), shard: s})
		}
	}
	slices.SortFunc(r.points, func(a, b point) int {
		switch {
		case a.hash < b.hash:
			return -1
		case a.hash > b.hash:
			return 1
		}
		return a.shard - b.shard // a tie is vanishingly rare; break it the same way every time
	})
	return r, nil
}

func (r *Ring) Shards() int { return r.n }

// Shard finds the first point at or after the key's hash.
func (r *Ring) Shard(key uint64) int {
	h := mix(key ^ 0x5bd1e995) // a different stream from the points'
	i, _ := slices.BinarySearchFunc(r.points, h, func(p point, h uint64) int {
		switch {
		case p.hash < h:
			return -1
		case p.hash > h:
			return 1
		}
		return 0
	})
	if i == len(r.points) {
		i = 0 // past the last point: wrap to the first
	}
	return r.points[i].shard
}

// ShardsFor: hashing scatters neighbours, so a range visits every shard.
func (r *Ring) ShardsFor(lo, hi uint64) []int { return enumerate(r, lo, hi) }

// mix is splitmix64's finaliser: every input bit flips about half the
// output bits, so sequential ids spread evenly around the ring.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
