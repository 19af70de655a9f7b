package gcpressuretest

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/grpclabs/labs/ch05-interview/gcpressure/service"
	"github.com/grpclabs/labs/ch05-interview/internal/clock"
	"github.com/grpclabs/labs/scripts/labkit"
)

// newBounded builds the lab's cache and stops with step 3's TODO while it
// is not written (an unwritten cache returns nil or keeps nothing).
func newBounded(t *testing.T, l Lab, size int, ttl time.Duration, now func() time.Time) service.Cache {
	t.Helper()
	c := l.NewBounded(size, ttl, now)
	if c == nil {
		step3.Check(t, labkit.TODO("NewBounded"))
	}
	c.Put("probe", []byte("p"))
	if c.Len() == 0 {
		step3.Check(t, labkit.TODO("Bounded.Put"))
	}
	return c
}

func get(t *testing.T, c service.Cache, key string, want string) {
	t.Helper()
	p, ok := c.Get(key)
	switch {
	case want == "" && ok:
		t.Errorf("Get(%q) = %q, want a miss", key, p)
	case want != "" && (!ok || string(p) != want):
		t.Errorf("Get(%q) = %q, %v; want %q", key, p, ok, want)
	}
}

// TestBounded: step 3, an LRU with a TTL on an injected clock.
func TestBounded(t *testing.T, l Lab) {
	t.Run("lru", func(t *testing.T) {
		c := newBounded(t, l, 3, time.Hour, nil)
		c.Put("a", []byte("A"))
		c.Put("b", []byte("B"))
		c.Put("c", []byte("C")) // "probe" is the oldest: evicted
		get(t, c, "probe", "")
		get(t, c, "a", "A") // a is now the most recent
		c.Put("d", []byte("D"))
		get(t, c, "b", "") // b was the least recently used
		get(t, c, "a", "A")
		get(t, c, "c", "C")
		get(t, c, "d", "D")
		c.Put("c", []byte("C2")) // overwrite: no eviction
		get(t, c, "c", "C2")
		if n := c.Len(); n != 3 {
			t.Errorf("Len = %d, want 3", n)
		}
	})
	t.Run("ttl", func(t *testing.T) {
		clk := clock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		c := newBounded(t, l, 10, time.Minute, clk.Now)
		c.Put("a", []byte("A"))
		clk.Advance(59 * time.Second)
		get(t, c, "a", "A")
		clk.Advance(time.Second)
		get(t, c, "a", "") // a minute old: gone, even though the cache is not full
		get(t, c, "probe", "")
		if n := c.Len(); n != 0 {
			t.Errorf("Len = %d after every entry expired and was read; an expired entry found by Get is removed", n)
		}
		c.Put("b", []byte("B"))
		clk.Advance(30 * time.Second)
		c.Put("b", []byte("B2")) // a new value: a new minute
		clk.Advance(45 * time.Second)
		get(t, c, "b", "B2")
	})
	t.Run("no ttl", func(t *testing.T) {
		clk := clock.New(time.Unix(0, 0))
		c := newBounded(t, l, 10, 0, clk.Now)
		c.Put("a", []byte("A"))
		clk.Advance(1000 * time.Hour)
		get(t, c, "a", "A")
	})
	t.Run("concurrent", func(t *testing.T) {
		c := newBounded(t, l, 64, time.Hour, nil)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 500 {
					k := fmt.Sprintf("%d-%d", g, i%100)
					c.Put(k, []byte(k))
					if p, ok := c.Get(k); ok && string(p) != k {
						t.Errorf("Get(%q) = %q", k, p)
						return
					}
				}
			})
		}
		wg.Wait()
		if n := c.Len(); n > 64 {
			t.Errorf("Len = %d, above the size of 64", n)
		}
	})
}

// TestHeapBounded: step 3, the fixed service's live heap stays flat over
// the requests that make the shipped one grow.
func TestHeapBounded(t *testing.T, l Lab) {
	defer defaults()()
	bounded := newBounded(t, l, cacheSize, time.Hour, nil)
	const n = requests / 2 // 20 MiB of pages for the shipped cache: enough to tell
	growth := func(c service.Cache) uint64 {
		svc := service.New(c)
		load(svc, 0, 1)
		before := live()
		load(svc, 1, n)
		after := live()
		runtime.KeepAlive(svc)
		if after < before {
			return 0
		}
		return after - before
	}
	leaky := growth(service.NewUnbounded())
	fixed := growth(bounded)
	t.Logf("live heap after %d distinct requests: +%s with the shipped cache, +%s with Bounded(%d)", n, mib(leaky), mib(fixed), cacheSize)
	if n := bounded.Len(); n > cacheSize {
		t.Errorf("Bounded(%d) holds %d pages", cacheSize, n)
	}
	// 1000 pages of 2 KiB, keys and list nodes: under 3 MiB.
	if fixed > 3<<20 || fixed*5 > leaky {
		t.Errorf("with Bounded(%d) the live heap grew %s (the shipped cache: %s); want under 3 MiB and a fifth of the leak", cacheSize, mib(fixed), mib(leaky))
	}
}
