package mapbench

import (
	"fmt"
	"sync/atomic"
	"testing"
)

const keys = 1024

var keyNames = func() []string {
	k := make([]string, keys)
	for i := range k {
		k[i] = fmt.Sprintf("key-%d", i)
	}
	return k
}()

// BenchmarkMaps runs every variant on four mixes, from a read-mostly cache
// (99% reads) to a write-heavy counter table (10% reads), with b.RunParallel
// (one goroutine per -cpu). Keys are spread uniformly over 1024 stored keys.
func BenchmarkMaps(b *testing.B) {
	for _, readPct := range []int{99, 90, 50, 10} {
		for _, v := range variants {
			b.Run(fmt.Sprintf("reads=%d%%/map=%s", readPct, v.name), func(b *testing.B) {
				m := v.new()
				for i, k := range keyNames {
					m.Store(k, i)
				}
				var seeds atomic.Uint64
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					// A per-goroutine xorshift with its own seed: a shared
					// random source would be a point of contention of its
					// own, and equal seeds would walk the keys in lockstep.
					x := (seeds.Add(1) * 0x9E3779B97F4A7C15) | 1
					var sink int
					for pb.Next() {
						x ^= x << 13
						x ^= x >> 7
						x ^= x << 17
						k := keyNames[x%keys]
						if int(x>>32%100) < readPct {
							v, _ := m.Load(k)
							sink += v
						} else {
							m.Store(k, int(x))
						}
					}
					_ = sink
				})
			})
		}
	}
}
