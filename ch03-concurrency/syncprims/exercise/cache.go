// Package exercise is your copy of the syncprims lab (chapter 3.3,
// 并发安全与sync包). Work through the steps of ../README.md; the tests in
// exercise_test.go tell you which step is next.
package exercise

import (
	"context"

	syncprimsv1 "github.com/grpclabs/labs/ch03-concurrency/gen/syncprims/v1"
	"github.com/grpclabs/labs/scripts/labkit"
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

	// Step 1: add the map of values and the lock that guards it.
}

// NewCache returns an empty cache that fills misses with load.
func NewCache(load LoadFunc) *Cache {
	return &Cache{load: load}
}

// Get returns the value for key, loading and remembering it on a miss.
// Errors are returned as they are (a gRPC status stays a status) and are
// not cached: the next Get tries again.
func (c *Cache) Get(ctx context.Context, key string) (string, error) {
	// Step 1: a hit under the read lock; on a miss, load WITHOUT holding the
	// lock, then store under the write lock.
	return "", labkit.TODO("Cache.Get")
}

// GetMany looks up every key concurrently and returns the values in the
// order of keys. A key that failed has "" in its slot, and the returned
// error joins one error per failed key, each naming its key.
func (c *Cache) GetMany(ctx context.Context, keys []string) ([]string, error) {
	// Step 4: one goroutine per key with sync.WaitGroup.Go.
	return nil, labkit.TODO("Cache.GetMany")
}
