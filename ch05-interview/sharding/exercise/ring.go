package exercise

import "github.com/grpclabs/labs/scripts/labkit"

// Ring is consistent hashing: every shard owns vnodes points on a ring of
// 2^64 positions, and a key belongs to the first point at or after its
// hash, wrapping around past the last point.
type Ring struct {
	n      int
	points []point // sorted by hash
}

type point struct {
	hash  uint64
	shard int
}

// NewRing returns a ring of shards shards with vnodes points each (at
// least one of each). A point's position must depend only on its shard
// and vnode number (mix(shard<<32 | vnode) will do), so that a ring with
// a ninth shard keeps the first eight's points.
//
// Step 2.
func NewRing(shards, vnodes int) (*Ring, error) {
	return nil, labkit.TODO("NewRing")
}

func (r *Ring) Shards() int { return r.n }

// Shard hashes the key (mix, with something xored in so keys and points
// are different streams) and finds the first point at or after it
// (slices.BinarySearchFunc), wrapping to the first point.
//
// Step 2.
func (r *Ring) Shard(key uint64) int { return 0 }

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
