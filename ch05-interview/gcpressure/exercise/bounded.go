package exercise

import "time"

// Bounded is the fix: a page cache that holds at most size pages, each for
// at most ttl, evicting the least recently used first. Safe for concurrent
// use. It implements service.Cache.
type Bounded struct {
	// Step 3: your fields.
}

// NewBounded returns a cache of at most size pages (at least 1) kept for
// ttl (<= 0: no expiry), reading the clock now (nil: time.Now).
//
// Step 3.
func NewBounded(size int, ttl time.Duration, now func() time.Time) *Bounded {
	return &Bounded{}
}

// Get returns the page under key unless it expired; an expired entry is
// removed.
//
// Step 3.
func (c *Bounded) Get(key string) ([]byte, bool) { return nil, false }

// Put stores page under key, evicting the least recently used page when
// the cache is full.
//
// Step 3.
func (c *Bounded) Put(key string, page []byte) {}

// Len is the number of pages held.
//
// Step 3.
func (c *Bounded) Len() int { return 0 }
