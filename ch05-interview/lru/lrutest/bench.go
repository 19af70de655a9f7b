package lrutest

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/grpclabs/labs/ch05-interview/lru/counted"
)

// baseline is the cost floor: a map behind a mutex, with no eviction, no
// recency and no expiry.
type baseline struct {
	mu sync.Mutex
	m  map[string]int
}

func (b *baseline) Get(k string) (int, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.m[k]
	return v, ok
}
func (b *baseline) Put(k string, v int) { b.mu.Lock(); defer b.mu.Unlock(); b.m[k] = v }
func (b *baseline) Delete(k string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.m[k]
	delete(b.m, k)
	return ok
}
func (b *baseline) Len() int { b.mu.Lock(); defer b.mu.Unlock(); return len(b.m) }

// BenchmarkCaches compares a mutex around a map, the LRU cache and the
// sharded one (16 shards), all with 10,000 entries and no step counting,
// on gets of the 10,000 keys put first, on 90% gets with 10% puts, and on
// puts alone; the puts cycle through 20,000 keys, so in the LRU caches
// every one is a new key that evicts. Run it with -cpu=1,2 to see what
// contention on one lock costs.
func BenchmarkCaches[C, S Cache](b *testing.B, newCache New[C], newSharded NewSharded[S]) {
	const size = 10000
	keys := make([]string, 2*size)
	for i := range keys {
		keys[i] = fmt.Sprint(i)
	}
	impls := []struct {
		name string
		make func() Cache
	}{
		{"mutex-map", func() Cache { return &baseline{m: map[string]int{}} }},
		{"lru", func() Cache { c, err := newCache(size, 0, nil); must(b, err); return c }},
		{"sharded16", func() Cache { c, err := newSharded(size, 16, 0, nil); must(b, err); return c }},
	}
	for _, impl := range impls {
		for _, mix := range []struct {
			name    string
			putEach int // one operation in putEach is a Put of a missing key; 0: none; 1: all
		}{{"get", 0}, {"get90-put10", 10}, {"put", 1}} {
			b.Run("cache="+impl.name+"/mix="+mix.name, func(b *testing.B) {
				c := impl.make()
				for i := range size {
					c.Put(keys[i], i)
				}
				var next atomic.Uint64
				b.RunParallel(func(pb *testing.PB) {
					i := next.Add(1) * 7919 // each goroutine starts elsewhere
					for pb.Next() {
						i++
						if mix.putEach > 0 && i%uint64(mix.putEach) == 0 {
							// Cycling through twice as many keys as the cache holds:
							// each one was evicted since its last Put, so every
							// Put evicts (and the map behind a mutex just grows).
							c.Put(keys[i%(2*size)], int(i))
						} else {
							c.Get(keys[i%size])
						}
					}
				})
			})
		}
	}
}

func must(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSteps reports the counted steps per operation (steps/op) of
// the LRU cache at two sizes, on the mix TestLRU checks: a new key that
// evicts, a hit, a miss and an update (ns/op includes making the keys). O(1) means the same figure for
// 16 entries and for 65,536.
func BenchmarkSteps[C Cache](b *testing.B, newCache New[C]) {
	for _, size := range []int{16, 1 << 16} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			var steps counted.Counter
			c, err := newCache(size, 0, &steps)
			must(b, err)
			for i := range size {
				c.Put(fmt.Sprint(i), i)
			}
			before := steps.Steps()
			i, k := 0, ""
			for b.Loop() {
				switch i % 4 {
				case 0:
					k = strconv.Itoa(size + i/4)
					c.Put(k, i) // a new key: evicts
				case 1:
					c.Get(k)
				case 2:
					c.Get("missing")
				default:
					c.Put(k, i)
				}
				i++
			}
			b.ReportMetric(float64(steps.Steps()-before)/float64(b.N), "steps/op")
		})
	}
}
