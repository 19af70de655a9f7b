package shortlinktest

import (
	"context"
	"errors"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grpclabs/labs/ch05-interview/shortlink/backend"
)

// guard bounds waits on something a broken implementation may never do.
// A correct one is done in milliseconds; the bound only turns a hang into
// a failure that says what was awaited.
const guard = 30 * time.Second

// code62 is the suite's own Base62, from math/big (digits 0-9a-zA-Z).
func code62(id uint64) string { return new(big.Int).SetUint64(id).Text(62) }

// links wraps the real store: it counts reads and lets a test hold,
// fail or observe them.
type links struct {
	backend.Links
	reads atomic.Int64
	mu    sync.Mutex
	hook  func(ctx context.Context, id uint64) error
}

func (l *links) URL(ctx context.Context, id uint64) (string, error) {
	l.reads.Add(1)
	l.mu.Lock()
	hook := l.hook
	l.mu.Unlock()
	if hook != nil {
		if err := hook(ctx, id); err != nil {
			return "", err
		}
	}
	return l.Links.URL(ctx, id)
}

func (l *links) setHook(h func(ctx context.Context, id uint64) error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hook = h
}

// setCall is one Cache.Set the code under test made.
type setCall struct {
	key, value string
	ttl        time.Duration
}

// cache wraps a real cache and records what the code under test asks of it.
type cache struct {
	backend.Cache
	mu     sync.Mutex
	gets   int
	hits   int
	misses map[string]int
	sets   []setCall
	fail   error            // returned by Get and Set when set
	onMiss func(key string) // called after each miss, outside the lock
	missed chan string      // receives every missed key when not nil
}

func newCache(c backend.Cache) *cache { return &cache{Cache: c, misses: map[string]int{}} }

func (c *cache) Get(ctx context.Context, key string) (string, bool, error) {
	c.mu.Lock()
	c.gets++
	if c.fail != nil {
		err := c.fail
		c.mu.Unlock()
		return "", false, err
	}
	c.mu.Unlock()
	v, ok, err := c.Cache.Get(ctx, key)
	c.mu.Lock()
	if ok {
		c.hits++
	} else {
		c.misses[key]++
	}
	onMiss, missed := c.onMiss, c.missed
	c.mu.Unlock()
	if !ok && err == nil {
		if onMiss != nil {
			onMiss(key)
		}
		if missed != nil {
			missed <- key
		}
	}
	return v, ok, err
}

func (c *cache) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	c.mu.Lock()
	c.sets = append(c.sets, setCall{key, value, ttl})
	fail := c.fail
	c.mu.Unlock()
	if fail != nil {
		return fail
	}
	return c.Cache.Set(ctx, key, value, ttl)
}

// stats returns gets, hits and the Sets so far.
func (c *cache) stats() (gets, hits int, sets []setCall) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gets, c.hits, append([]setCall(nil), c.sets...)
}

// reset forgets the counts and the recorded Sets.
func (c *cache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gets, c.hits, c.sets, c.misses = 0, 0, nil, map[string]int{}
}

func (c *cache) setFail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fail = err
}

// setFilter is an exact set standing in for the Bloom filter, so the
// resolver's tests choose precisely which codes get past it.
type setFilter struct {
	mu   sync.Mutex
	keys map[string]bool
}

func newSetFilter(keys ...string) *setFilter {
	f := &setFilter{keys: map[string]bool{}}
	for _, k := range keys {
		f.keys[k] = true
	}
	return f
}

func (f *setFilter) Add(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys[key] = true
}

func (f *setFilter) MayContain(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.keys[key]
}

var errDB = errors.New("database is down")
