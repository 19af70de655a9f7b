// Package solution is the reference for the syncprims lab (chapter 3.3,
// 并发安全与sync包): a read-through cache guarded by a sync.RWMutex,
// singleflight against a thundering herd, lazy configuration loaded once,
// fan-out with WaitGroup.Go, a per-key statistics registry on sync.Map and
// atomics, and the fixed session service of the race hunt.
package solution

import (
	"context"
	"errors"
	"fmt"
	"sync"

	syncprimsv1 "github.com/grpclabs/labs/ch03-concurrency/gen/syncprims/v1"
)

// LoadFunc fetches the value stored under key from the source of truth.
// It is an alias, not a new type, so the exercise, the solution and the
// suite all speak about the same function type.
type LoadFunc = func(ctx context.Context, key string) (string, error)

// BackendLoader turns a BackendService client into a LoadFunc.
func BackendLoader(c syncprimsv1.BackendServiceClient) LoadFunc {
	return func(ctx context.Context, key string) (string, error) {
		resp, err := c.Fetch(ctx, &syncprimsv1.FetchRequest{Key: key})
		if err != nil {
			return "", err
		}
		return resp.GetValue(), nil
	}
}

// Cache is a read-through cache without expiry: a value, once loaded, is
// kept for the life of the cache. Safe for concurrent use.
type Cache struct {
	load LoadFunc

	// mu guards values. Reads vastly outnumber writes in a cache, so an
	// RWMutex lets every hit proceed in parallel; only filling a miss takes
	// the exclusive lock, and only for the map write.
	mu     sync.RWMutex
	values map[string]string
}

// NewCache returns an empty cache that fills misses with load.
func NewCache(load LoadFunc) *Cache {
	return &Cache{load: load, values: make(map[string]string)}
}

// Get returns the value for key, loading and remembering it on a miss.
// Errors are returned as they are (a gRPC status stays a status) and are
// not cached: the next Get tries again.
func (c *Cache) Get(ctx context.Context, key string) (string, error) {
	c.mu.RLock()
	v, ok := c.values[key]
	c.mu.RUnlock()
	if ok {
		return v, nil
	}

	// No lock is held while loading: a slow backend must not stall the hits
	// of every other key behind this one miss.
	v, err := c.load(ctx, key)
	if err != nil {
		return "", err
	}

	c.mu.Lock()
	// Another caller may have filled the key while we loaded; keep the first
	// value so every caller agrees on one answer.
	if old, ok := c.values[key]; ok {
		v = old
	} else {
		c.values[key] = v
	}
	c.mu.Unlock()
	return v, nil
}

// GetMany looks up every key concurrently and returns the values in the
// order of keys. A key that failed has "" in its slot, and the returned
// error joins one error per failed key, each naming its key.
func (c *Cache) GetMany(ctx context.Context, keys []string) ([]string, error) {
	values := make([]string, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, key := range keys {
		// Each goroutine writes only its own index of values and errs, so no
		// lock is needed; wg.Wait is the happens-before edge that makes the
		// writes visible to us.
		wg.Go(func() {
			v, err := c.Get(ctx, key)
			if err != nil {
				errs[i] = fmt.Errorf("key %q: %w", key, err)
				return
			}
			values[i] = v
		})
	}
	wg.Wait()
	return values, errors.Join(errs...)
}
