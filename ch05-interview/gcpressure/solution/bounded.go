package solution

import (
	"container/list"
	"sync"
	"time"
)

// Bounded is the fix: a page cache that holds at most max pages, each for
// at most ttl, evicting the least recently used first. Its memory is
// bounded by max pages whatever the keys look like, and the TTL keeps a
// quiet cache from holding stale pages forever. Safe for concurrent use.
type Bounded struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	now   func() time.Time
	order *list.List // front: most recently used
	items map[string]*list.Element
}

type entry struct {
	key     string
	page    []byte
	expires time.Time
}

// NewBounded returns a cache of at most size pages (at least 1) kept for
// ttl (<= 0: no expiry), reading the clock now (nil: time.Now).
func NewBounded(size int, ttl time.Duration, now func() time.Time) *Bounded {
	if now == nil {
		now = time.Now
	}
	return &Bounded{max: max(1, size), ttl: ttl, now: now, order: list.New(), items: map[string]*list.Element{}}
}

// Get returns the page under key unless it expired.
func (c *Bounded) Get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*entry)
	if c.ttl > 0 && !c.now().Before(e.expires) {
		c.remove(el) // expired: free it now, not at the next eviction
		return nil, false
	}
	c.order.MoveToFront(el)
	return e.page, true
}

// Put stores page under key, evicting the least recently used page when
// the cache is full.
func (c *Bounded) Put(key string, page []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	expires := c.now().Add(c.ttl)
	if el, ok := c.items[key]; ok {
		e := el.Value.(*entry)
		e.page, e.expires = page, expires
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&entry{key: key, page: page, expires: expires})
	for c.order.Len() > c.max {
		c.remove(c.order.Back())
	}
}

// Len is the number of pages held.
func (c *Bounded) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

func (c *Bounded) remove(el *list.Element) {
	c.order.Remove(el)
	delete(c.items, el.Value.(*entry).key)
}
