// Package lrutest is the lru drill's suite. The exercise and the solution
// both run it through their one-screen *_test.go files.
//
// Results are compared with a simple reference model (a slice in recency
// order: slow, obviously right). Expiry runs inside a testing/synctest
// bubble, where time.Sleep moves a fake clock, so "expired at exactly
// 60s" is exact. O(1) is checked by counting the steps the cache takes
// in its counted map and lists, for a small cache and a big one.
package lrutest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/grpclabs/labs/ch05-interview/lru/counted"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch05-interview/lru"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "New, Get, Put, Delete, Len"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "expiry"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "NewSharded"}
)

// Cache is what both caches offer, with string keys and int values.
type Cache interface {
	Get(key string) (int, bool)
	Put(key string, value int)
	Delete(key string) bool
	Len() int
}

// New and NewSharded are the lab's constructors.
type (
	New[C Cache]        func(capacity int, ttl time.Duration, steps *counted.Counter) (C, error)
	NewSharded[S Cache] func(capacity, shards int, ttl time.Duration, steps *counted.Counter) (S, error)
)

// model is the reference: most recent first, expiry by write time.
type model struct {
	capacity int
	ttl      time.Duration
	order    []string
	vals     map[string]int
	expires  map[string]time.Time
}

func newModel(capacity int, ttl time.Duration) *model {
	return &model{capacity: capacity, ttl: ttl, vals: map[string]int{}, expires: map[string]time.Time{}}
}

func (m *model) live(k string) bool {
	_, ok := m.vals[k]
	return ok && (m.ttl == 0 || time.Now().Before(m.expires[k]))
}

func (m *model) drop(k string) {
	m.order = slices.DeleteFunc(m.order, func(o string) bool { return o == k })
	delete(m.vals, k)
	delete(m.expires, k)
}

func (m *model) touch(k string) {
	m.order = slices.DeleteFunc(m.order, func(o string) bool { return o == k })
	m.order = slices.Insert(m.order, 0, k)
}

func (m *model) get(k string) (int, bool) {
	if !m.live(k) {
		m.drop(k)
		return 0, false
	}
	m.touch(k)
	return m.vals[k], true
}

func (m *model) put(k string, v int) {
	if _, ok := m.vals[k]; ok {
		m.vals[k], m.expires[k] = v, time.Now().Add(m.ttl)
		m.touch(k)
		return
	}
	for _, o := range slices.Clone(m.order) {
		if !m.live(o) {
			m.drop(o)
		}
	}
	if len(m.vals) >= m.capacity {
		m.drop(m.order[len(m.order)-1])
	}
	m.vals[k], m.expires[k] = v, time.Now().Add(m.ttl)
	m.touch(k)
}

func (m *model) del(k string) bool {
	ok := m.live(k)
	m.drop(k)
	return ok
}

func (m *model) len() int {
	n := 0
	for k := range m.vals {
		if m.live(k) {
			n++
		}
	}
	return n
}

// randomOps runs n random operations on c and on the model and fails at
// the first difference; sleep, if set, runs between operations.
func randomOps(t *testing.T, c Cache, m *model, seed uint64, n, keys int, sleep func(*rand.Rand)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	for i := range n {
		k := fmt.Sprintf("k%d", rng.IntN(keys))
		switch op := rng.IntN(10); {
		case op < 5:
			v, ok := c.Get(k)
			wv, wok := m.get(k)
			if v != wv || ok != wok {
				t.Fatalf("op %d: Get(%q) = %d, %v; want %d, %v (the cache now should hold, most recent first: %v)", i, k, v, ok, wv, wok, m.order)
			}
		case op < 9:
			c.Put(k, i)
			m.put(k, i)
		default:
			if got, want := c.Delete(k), m.del(k); got != want {
				t.Fatalf("op %d: Delete(%q) = %v, want %v", i, k, got, want)
			}
		}
		if got, want := c.Len(), m.len(); got != want {
			t.Fatalf("op %d: Len() = %d, want %d (holding, most recent first: %v)", i, got, want, m.order)
		}
		if sleep != nil {
			sleep(rng)
		}
	}
}

// TestLRU: step 1, an LRU cache with O(1) operations, safe for concurrent use.
func TestLRU[C Cache](t *testing.T, newCache New[C]) {
	c, err := newCache(2, 0, nil)
	step1.Require(t, err)
	if _, err := newCache(0, 0, nil); err == nil {
		t.Error("New with capacity 0 succeeded; it must return an error")
	}

	t.Run("eviction", func(t *testing.T) {
		c.Put("a", 1)
		c.Put("b", 2)
		expect(t, c, "a", 1, true, "a was just put")
		c.Put("c", 3) // full: evicts the least recently used, b
		expect(t, c, "b", 0, false, "the cache holds 2; Get(a) made b the least recently used, so Put(c) evicted b")
		expect(t, c, "a", 1, true, "a was used more recently than b")
		expect(t, c, "c", 3, true, "c was just put")
		c.Put("a", 10) // an update: nothing evicted
		expect(t, c, "a", 10, true, "Put of an existing key replaces its value")
		expect(t, c, "c", 3, true, "updating a must not evict anything")
		if !c.Delete("c") || c.Delete("c") {
			t.Error("Delete(c) twice: want true, then false")
		}
		if c.Len() != 1 {
			t.Errorf("Len() = %d after deleting one of two entries, want 1", c.Len())
		}
	})

	t.Run("random", func(t *testing.T) {
		c, err := newCache(8, 0, nil)
		step1.Require(t, err)
		randomOps(t, c, newModel(8, 0), 1, 5000, 20, nil)
	})

	t.Run("o1", func(t *testing.T) {
		small := stepsPerOp(t, newCache, 16)
		big := stepsPerOp(t, newCache, 1<<16)
		t.Logf("steps per operation: %.2f with 16 entries, %.2f with 65,536", small, big)
		if small == 0 {
			t.Fatal("the cache took no counted steps: build it from the counted.Map and counted.List that New is given the counter for")
		}
		if big > small+0.5 || big > 16 {
			t.Errorf("an operation took %.2f steps on average with 65,536 entries and %.2f with 16: the cost grows with the size, so something walks the list or scans the map", big, small)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		c, err := newCache(64, 0, nil)
		step1.Require(t, err)
		hammer(t, c, 64)
	})
}

func expect(t *testing.T, c Cache, k string, v int, ok bool, why string) {
	t.Helper()
	if gv, gok := c.Get(k); gv != v || gok != ok {
		t.Errorf("Get(%q) = %d, %v; want %d, %v: %s", k, gv, gok, v, ok, why)
	}
}

// stepsPerOp fills a cache of capacity entries, then counts the steps of
// the same mix whatever the size: new keys that evict, hits, misses and
// updates.
func stepsPerOp[C Cache](t *testing.T, newCache New[C], capacity int) float64 {
	t.Helper()
	var steps counted.Counter
	c, err := newCache(capacity, 0, &steps)
	step1.Require(t, err)
	for i := range capacity {
		c.Put(fmt.Sprint(i), i)
	}
	before := steps.Steps()
	const ops = 4000
	for i := range ops / 4 {
		k := fmt.Sprint(capacity + i)
		c.Put(k, i)               // a new key: evicts the least recently used
		c.Get(k)                  // a hit
		c.Get(fmt.Sprint(-1 - i)) // a miss
		c.Put(k, i+1)             // an update
	}
	return float64(steps.Steps()-before) / ops
}

// hammer runs goroutines of random operations on c, then checks that
// every value read belonged to its key and the size stayed in bounds.
func hammer(t *testing.T, c Cache, capacity int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for i := range 2000 {
				k := rng.IntN(200)
				key := fmt.Sprint(k)
				switch rng.IntN(4) {
				case 0, 1:
					if v, ok := c.Get(key); ok && v%1000 != k {
						errs <- fmt.Errorf("Get(%q) = %d, a value put under key %d", key, v, v%1000)
						return
					}
				case 2:
					c.Put(key, i*1000+k)
				default:
					c.Delete(key)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := c.Len(); n > capacity || n < 0 {
		t.Errorf("after concurrent use Len() = %d; the capacity is %d", n, capacity)
	}
}

// TestTTL: step 2, entries expire a fixed time after they were written.
func TestTTL[C Cache](t *testing.T, newCache New[C]) {
	_, err := newCache(4, time.Minute, nil)
	step2.Require(t, err) // before the bubble: a skip inside one would count as a pass
	if _, err := newCache(4, -time.Second, nil); step2.Check(t, err) == nil {
		t.Error("New with a negative TTL succeeded; want an error")
	}
	labkit.Bubble(t, func(t *testing.T) {
		c, err := newCache(4, time.Minute, nil)
		step2.Require(t, err)
		c.Put("a", 1)
		time.Sleep(59 * time.Second)
		expect(t, c, "a", 1, true, "59s after a Put with a 1m TTL, the entry is live")
		time.Sleep(time.Second)
		expect(t, c, "a", 0, false, "exactly 1m after its Put the entry has expired (it lives while now is before written+ttl)")

		c.Put("b", 2)
		time.Sleep(30 * time.Second)
		c.Put("b", 3) // rewriting restarts the clock
		time.Sleep(40 * time.Second)
		expect(t, c, "b", 3, true, "b was rewritten 40s ago: a Put restarts its TTL")
		c.Put("c", 4)
		time.Sleep(30 * time.Second)
		expect(t, c, "c", 4, true, "30s after its Put")
		time.Sleep(30 * time.Second)
		expect(t, c, "c", 0, false, "a Get does not extend the TTL: c expired 1m after its Put")
		if n := c.Len(); n != 0 {
			t.Errorf("Len() = %d when every entry has expired, want 0", n)
		}
	})

	t.Run("expired_before_evicting", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			c, err := newCache(2, time.Minute, nil)
			step2.Require(t, err)
			c.Put("p", 1)
			time.Sleep(30 * time.Second)
			c.Put("q", 2)
			time.Sleep(time.Second)
			c.Get("p") // p is the most recently used, q the least
			time.Sleep(30 * time.Second)
			c.Put("r", 3) // p has expired: it goes, not q
			expect(t, c, "q", 2, true, "the cache was full, but p had expired: a Put drops expired entries before it evicts a live one")
			expect(t, c, "r", 3, true, "r was just put")
		})
	})

	t.Run("random", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			c, err := newCache(8, time.Second, nil)
			step2.Require(t, err)
			randomOps(t, c, newModel(8, time.Second), 2, 3000, 20, func(r *rand.Rand) {
				time.Sleep(time.Duration(r.IntN(100)) * time.Millisecond)
			})
		})
	})

	t.Run("amortized_o1", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			var steps counted.Counter
			c, err := newCache(100000, time.Second, &steps)
			step2.Require(t, err)
			const n = 20000
			for i := range n {
				c.Put(fmt.Sprint(i), i)
				c.Get(fmt.Sprint(i / 2))
				time.Sleep(time.Millisecond) // ~1,000 live entries; one expires per Put
			}
			c.Len()
			per := float64(steps.Steps()) / (2 * n)
			t.Logf("%.2f steps per operation while entries expire", per)
			if per > 12 {
				t.Errorf("%.2f counted steps per operation while one entry expires per Put: expiry must not scan the cache (keep the entries in write order and drop them from the front)", per)
			}
			if l := c.Len(); l < 900 || l > 1000 {
				t.Errorf("Len() = %d; about 1,000 Puts happened within the last second", l)
			}
		})
	})

	t.Run("no_ttl", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			c, err := newCache(2, 0, nil)
			step1.Require(t, err)
			c.Put("a", 1)
			time.Sleep(1000 * time.Hour)
			expect(t, c, "a", 1, true, "with ttl 0 nothing expires")
		})
	})
}

// TestSharded: step 3, a cache split over independently locked shards.
func TestSharded[S Cache](t *testing.T, newSharded NewSharded[S]) {
	s, err := newSharded(64, 8, 0, nil)
	step3.Require(t, err)
	if _, err := newSharded(4, 8, 0, nil); err == nil {
		t.Error("NewSharded with fewer entries than shards succeeded; it must return an error")
	}
	for i := range 50 {
		s.Put(fmt.Sprint(i), i)
	}
	for i := range 50 {
		if v, ok := s.Get(fmt.Sprint(i)); ok && v != i {
			t.Fatalf("Get(%q) = %d, want %d", fmt.Sprint(i), v, i)
		}
	}
	expect(t, s, "49", 49, true, "the key just put is in its shard")
	for i := range 1000 {
		s.Put(fmt.Sprint(i), i)
	}
	if n := s.Len(); n > 64 || n < 32 {
		t.Errorf("after 1,000 Puts into 64 entries over 8 shards, Len() = %d; want at most 64 (and most shards full)", n)
	}
	if !s.Delete("999") || s.Delete("999") {
		t.Error("Delete(999) twice: want true, then false")
	}

	t.Run("concurrent", func(t *testing.T) {
		s, err := newSharded(64, 8, 0, nil)
		step3.Require(t, err)
		hammer(t, s, 64)
	})

	t.Run("ttl", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			s, err := newSharded(64, 8, time.Minute, nil)
			step3.Require(t, err)
			s.Put("a", 1)
			time.Sleep(time.Minute)
			expect(t, s, "a", 0, false, "every shard honours the TTL")
		})
	})
}
