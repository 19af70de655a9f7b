package shardingtest

import (
	"math/rand/v2"
	"slices"
)

// users registered one after another: user ids 1..users, like an
// auto-increment key.
const users = 100000

// workload is a seeded stream of writes (new orders), each by a user.
type workload struct {
	userWrites []uint64 // the user id of each write
}

// recencyWorkload: the newest 10% of users make 80% of the writes, the
// way new sign-ups are the most active in many products.
func recencyWorkload() workload {
	rng := rand.New(rand.NewPCG(1, 2))
	w := workload{userWrites: make([]uint64, 200000)}
	for i := range w.userWrites {
		if rng.IntN(10) < 8 {
			w.userWrites[i] = users - users/10 + 1 + rng.Uint64N(users/10)
		} else {
			w.userWrites[i] = 1 + rng.Uint64N(users)
		}
	}
	return w
}

// celebrityWorkload: one user makes 30% of the writes, the rest are even.
func celebrityWorkload() workload {
	rng := rand.New(rand.NewPCG(3, 4))
	w := workload{userWrites: make([]uint64, 200000)}
	for i := range w.userWrites {
		if rng.IntN(10) < 3 {
			w.userWrites[i] = 4242
		} else {
			w.userWrites[i] = 1 + rng.Uint64N(users)
		}
	}
	return w
}

// hotRatio is the busiest shard's share of the writes keyed by keys over
// the mean share: 1.0 is perfectly even, n means one shard takes it all.
func hotRatio(p Placement, keys []uint64) float64 {
	load := make([]int, p.Shards())
	for _, k := range keys {
		load[p.Shard(k)]++
	}
	return float64(slices.Max(load)) * float64(p.Shards()) / float64(len(keys))
}
