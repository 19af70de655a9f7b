// Package exercise is your copy of the lru drill: an LRU cache with an
// expiry time, safe for concurrent use, every operation O(1), and a
// sharded variant. See ../README.md for the steps.
package exercise

import (
	"errors"
	"sync"
	"time"

	"github.com/grpclabs/labs/ch05-interview/lru/counted"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Cache holds up to capacity entries. When it is full, a Put of a new key
// evicts the least recently used entry; with a TTL, an entry also expires
// ttl after its last Put (reads do not extend it).
//
// Build it from the counted map and lists (the suite counts their steps
// to check that every operation is O(1)): items finds an entry by key,
// recency orders the entries by use (most recent at the front), and
// writes orders them by their last Put (oldest at the front) for step 2.
type Cache[K comparable, V any] struct {
	mu       sync.Mutex
	capacity int
	ttl      time.Duration
	items    *counted.Map[K, *entry[K, V]]
	recency  *counted.List[*entry[K, V]]
	writes   *counted.List[*entry[K, V]]
}

// entry is one cached value and its place in both lists.
type entry[K comparable, V any] struct {
	key     K
	value   V
	expires time.Time
	recency *counted.Element[*entry[K, V]]
	write   *counted.Element[*entry[K, V]]
}

// New returns an empty cache of capacity entries (at least 1) whose
// entries expire ttl after they are written (0: never), counting its
// steps on steps (nil: not counted): counted.NewMap and counted.NewList.
//
// Step 1 (checkTTL is step 2's).
func New[K comparable, V any](capacity int, ttl time.Duration, steps *counted.Counter) (*Cache[K, V], error) {
	if capacity < 1 {
		return nil, errors.New("lru: capacity must be at least 1")
	}
	if err := checkTTL(ttl); err != nil {
		return nil, err
	}
	return nil, labkit.TODO("New") // step 1
}

// Get, Put, Delete and Len read the clock with c.now(), and ask
// c.expired, c.expiry and c.purge about expiry: those are step 2's, and
// their stand-ins below are right for a cache without a TTL.

// Get returns key's value and marks it the most recently used (an
// expired entry misses, and goes).
//
// Step 1.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	var zero V
	return zero, false
}

// Put stores value under key as the most recently used entry. A new key
// that finds the cache full first evicts the least recently used entry.
//
// Step 1.
func (c *Cache[K, V]) Put(key K, value V) {}

// Delete removes key and reports whether it was there (and, with a TTL,
// not expired).
//
// Step 1.
func (c *Cache[K, V]) Delete(key K) bool { return false }

// Len is the number of entries (that have not expired).
//
// Step 1.
func (c *Cache[K, V]) Len() int { return 0 }

// checkTTL refuses a negative ttl. The stand-in refuses every TTL until
// the four below honour it.
//
// Step 2.
func checkTTL(ttl time.Duration) error {
	if ttl == 0 {
		return nil
	}
	return labkit.TODO("checkTTL")
}

// now is the time expiry is measured against (time.Now() with a TTL).
//
// Step 2.
func (c *Cache[K, V]) now() time.Time { return time.Time{} }

// expiry is when an entry written at now expires.
//
// Step 2.
func (c *Cache[K, V]) expiry(now time.Time) time.Time { return time.Time{} }

// expired: an entry lives while now is before its expiry time.
//
// Step 2.
func (c *Cache[K, V]) expired(e *entry[K, V], now time.Time) bool { return false }

// purge drops the expired entries from the front of c.writes.
//
// Step 2.
func (c *Cache[K, V]) purge(now time.Time) {}
