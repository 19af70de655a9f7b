package backend

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cache is the cache in front of the database. A cached empty value is
// allowed: the service uses it to remember that a code has no link.
type Cache interface {
	// Get returns the value under key; ok is false on a miss.
	Get(ctx context.Context, key string) (value string, ok bool, err error)
	// Set stores value under key for ttl (> 0).
	Set(ctx context.Context, key, value string, ttl time.Duration) error
}

// LRU is an in-process cache of at most Cap entries, each with its own
// expiry, read from an injectable clock so tests can expire entries
// without waiting. It is the default cache; Redis is the shared one.
type LRU struct {
	mu    sync.Mutex
	cap   int
	now   func() time.Time
	order *list.List // front: most recently used
	items map[string]*list.Element
}

type lruEntry struct {
	key, value string
	expires    time.Time
}

// NewLRU returns an LRU of capacity entries reading the clock now (nil:
// time.Now).
func NewLRU(capacity int, now func() time.Time) *LRU {
	if capacity < 1 {
		capacity = 1
	}
	if now == nil {
		now = time.Now
	}
	return &LRU{cap: capacity, now: now, order: list.New(), items: map[string]*list.Element{}}
}

// Get implements Cache.
func (c *LRU) Get(_ context.Context, key string) (string, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return "", false, nil
	}
	e := el.Value.(*lruEntry)
	if !c.now().Before(e.expires) {
		c.order.Remove(el)
		delete(c.items, key)
		return "", false, nil
	}
	c.order.MoveToFront(el)
	return e.value, true, nil
}

// Set implements Cache.
func (c *LRU) Set(_ context.Context, key, value string, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("cache ttl %v is not positive", ttl)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	expires := c.now().Add(ttl)
	if el, ok := c.items[key]; ok {
		e := el.Value.(*lruEntry)
		e.value, e.expires = value, expires
		c.order.MoveToFront(el)
		return nil
	}
	c.items[key] = c.order.PushFront(&lruEntry{key: key, value: value, expires: expires})
	if c.order.Len() > c.cap {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(*lruEntry).key)
	}
	return nil
}

// Len is the number of entries held, expired ones included until touched.
func (c *LRU) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// Redis is a Cache in a Redis server, shared by every replica of the
// service. Keys get a prefix so several services can share one server.
type Redis struct {
	client redis.UniversalClient
	prefix string
}

// NewRedis returns a Cache that stores keys under prefix in client.
func NewRedis(client redis.UniversalClient, prefix string) *Redis {
	return &Redis{client: client, prefix: prefix}
}

// Get implements Cache.
func (r *Redis) Get(ctx context.Context, key string) (string, bool, error) {
	v, err := r.client.Get(ctx, r.prefix+key).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("redis get: %w", err)
	}
	return v, true, nil
}

// Set implements Cache. Redis expires the key itself (SET ... PX ttl).
func (r *Redis) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("cache ttl %v is not positive", ttl)
	}
	if err := r.client.Set(ctx, r.prefix+key, value, ttl).Err(); err != nil {
		return fmt.Errorf("redis set: %w", err)
	}
	return nil
}

// Filter is the set of codes that may exist, in front of the cache: the
// drill's Bloom filter, or a test's stand-in.
type Filter interface {
	Add(key string)
	// MayContain is false only for keys that were certainly never added.
	MayContain(key string) bool
}
