// Package solution is the lru drill's reference: an LRU cache with an
// expiry time, safe for concurrent use, every operation O(1), and a
// sharded variant that spreads the lock.
package solution

import (
	"errors"
	"sync"
	"time"

	"github.com/grpclabs/labs/ch05-interview/lru/counted"
)

// Cache holds up to capacity entries. When it is full, a Put of a new key
// evicts the least recently used entry; with a TTL, an entry also
// expires ttl after its last Put (reads do not extend it).
//
// Two lists thread through the entries. recency orders them by use, most
// recent first: Get and Put move an entry to the front, eviction takes
// the back. Because every entry lives for the same ttl, expiry order is
// write order, so a plain FIFO (writes, oldest first) finds every expired
// entry at its front: purging costs one step per entry that expired,
// amortised O(1) per operation, with no scan and no timer goroutine.
type Cache[K comparable, V any] struct {
	mu       sync.Mutex // Get reorders the lists too: no RWMutex
	capacity int
	ttl      time.Duration
	items    *counted.Map[K, *entry[K, V]]
	recency  *counted.List[*entry[K, V]]
	writes   *counted.List[*entry[K, V]]
}

type entry[K comparable, V any] struct {
	key     K
	value   V
	expires time.Time
	recency *counted.Element[*entry[K, V]]
	write   *counted.Element[*entry[K, V]]
}

// New returns an empty cache of capacity entries (at least 1) whose
// entries expire ttl after they are written (0: never), counting its
// steps on steps (nil: not counted).
func New[K comparable, V any](capacity int, ttl time.Duration, steps *counted.Counter) (*Cache[K, V], error) {
	if capacity < 1 {
		return nil, errors.New("lru: capacity must be at least 1")
	}
	if err := checkTTL(ttl); err != nil {
		return nil, err
	}
	return &Cache[K, V]{
		capacity: capacity,
		ttl:      ttl,
		items:    counted.NewMap[K, *entry[K, V]](steps),
		recency:  counted.NewList[*entry[K, V]](steps),
		writes:   counted.NewList[*entry[K, V]](steps),
	}, nil
}

// Get returns key's value and marks it the most recently used.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items.Get(key)
	if !ok || c.expired(e, c.now()) {
		if ok {
			c.remove(e)
		}
		var zero V
		return zero, false
	}
	c.recency.MoveToFront(e.recency)
	return e.value, true
}

// Put stores value under key, as the most recently used entry, evicting
// the least recently used one if a new key finds the cache full.
func (c *Cache[K, V]) Put(key K, value V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if e, ok := c.items.Get(key); ok {
		e.value, e.expires = value, c.expiry(now)
		c.recency.MoveToFront(e.recency)
		c.writes.MoveToBack(e.write)
		return
	}
	c.purge(now)
	if c.items.Len() >= c.capacity {
		c.remove(c.recency.Back().Value)
	}
	e := &entry[K, V]{key: key, value: value, expires: c.expiry(now)}
	e.recency = c.recency.PushFront(e)
	e.write = c.writes.PushBack(e)
	c.items.Set(key, e)
}

// Delete removes key and reports whether it was there (and not expired).
func (c *Cache[K, V]) Delete(key K) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items.Get(key)
	if !ok {
		return false
	}
	c.remove(e)
	return !c.expired(e, c.now())
}

// Len is the number of entries that have not expired.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.purge(c.now())
	return c.items.Len()
}

// checkTTL refuses a negative ttl.
func checkTTL(ttl time.Duration) error {
	if ttl < 0 {
		return errors.New("lru: ttl must not be negative")
	}
	return nil
}

// now reads the clock only when entries expire: on a virtual machine a
// clock read can cost more than the rest of a Get.
func (c *Cache[K, V]) now() time.Time {
	if c.ttl == 0 {
		return time.Time{}
	}
	return time.Now()
}

func (c *Cache[K, V]) expiry(now time.Time) time.Time {
	if c.ttl == 0 {
		return time.Time{}
	}
	return now.Add(c.ttl)
}

// expired: an entry lives while now is before its expiry time.
func (c *Cache[K, V]) expired(e *entry[K, V], now time.Time) bool {
	return c.ttl != 0 && !now.Before(e.expires)
}

// purge drops the expired entries, oldest write first, stopping at the
// first live one: everything behind it was written later.
func (c *Cache[K, V]) purge(now time.Time) {
	if c.ttl == 0 {
		return
	}
	for e := c.writes.Front(); e != nil && c.expired(e.Value, now); e = c.writes.Front() {
		c.remove(e.Value)
	}
}

func (c *Cache[K, V]) remove(e *entry[K, V]) {
	c.recency.Remove(e.recency)
	c.writes.Remove(e.write)
	c.items.Delete(e.key)
}
