package shortlinktest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/grpclabs/labs/ch05-interview/internal/clock"
	"github.com/grpclabs/labs/ch05-interview/shortlink/backend"
)

// readPath is a resolver over a real SQLite store, with the cache and the
// database wrapped so the test sees every call, and a settable clock.
type readPath struct {
	r      Resolver
	links  *links
	cache  *cache
	filter *setFilter
	clock  *clock.Clock
	codes  []string // stored links' codes, in the filter
	urls   map[string]string
}

// newReadPath stores n links and builds the lab's resolver on them, with
// cache (nil: an LRU on the fixture's clock).
func newReadPath(t *testing.T, l Lab, n int, c backend.Cache) *readPath {
	t.Helper()
	st := openStore(t)
	rp := &readPath{links: &links{Links: st}, filter: newSetFilter(), clock: clock.New(start), urls: map[string]string{}}
	if c == nil {
		c = backend.NewLRU(10_000, rp.clock.Now)
	}
	rp.cache = newCache(c)
	seed := map[uint64]string{}
	for i := range n {
		id := uint64(1)<<42 + uint64(i)
		u := fmt.Sprintf("https://example.com/article/%d", i)
		seed[id] = u
		code := code62(id)
		rp.codes = append(rp.codes, code)
		rp.urls[code] = u
		rp.filter.Add(code)
	}
	if err := st.Import(t.Context(), seed); err != nil {
		t.Fatal(err)
	}
	rp.r = l.NewResolver(ResolverConfig{Links: rp.links, Cache: rp.cache, Filter: rp.filter, TTL: ttl, NegativeTTL: negativeTTL})
	return rp
}

// resolve calls Resolve, handing a TODO to step 3.
func (rp *readPath) resolve(t *testing.T, ctx context.Context, code string) (string, error) {
	t.Helper()
	u, err := rp.r.Resolve(ctx, code)
	return u, step3.Check(t, err)
}

// mustResolve resolves a stored link and checks the answer.
func (rp *readPath) mustResolve(t *testing.T, code string) {
	t.Helper()
	u, err := rp.resolve(t, t.Context(), code)
	if err != nil || u != rp.urls[code] {
		t.Fatalf("Resolve(%q) = %q, %v; want %q", code, u, err, rp.urls[code])
	}
}

// reads returns the database reads since the last call.
func (rp *readPath) reads() int64 { return rp.links.reads.Swap(0) }

// TestResolve: step 3, cache-aside with a TTL, the filter first, and what
// happens when the database or the cache fails.
func TestResolve(t *testing.T, l Lab) {
	t.Run("miss then hit", func(t *testing.T) {
		rp := newReadPath(t, l, 3, nil)
		code := rp.codes[1]
		rp.mustResolve(t, code)
		if n := rp.reads(); n != 1 {
			t.Fatalf("the first Resolve read the database %d times, want 1", n)
		}
		_, _, sets := rp.cache.stats()
		if len(sets) != 1 || sets[0].key != code || sets[0].value != rp.urls[code] {
			t.Fatalf("after a miss the cache got Sets %+v; want one Set(%q, the URL, TTL)", sets, code)
		}
		if d := sets[0].ttl; d < ttl || d >= ttl+ttl/10 {
			t.Errorf("cached with TTL %v; want TTL (%v) plus a jitter below TTL/10", d, ttl)
		}
		for range 5 {
			rp.mustResolve(t, code)
		}
		if n := rp.reads(); n != 0 {
			t.Errorf("5 more Resolves of a cached code read the database %d times, want 0", n)
		}
	})
	t.Run("expiry", func(t *testing.T) {
		rp := newReadPath(t, l, 1, nil)
		code := rp.codes[0]
		rp.mustResolve(t, code)
		rp.clock.Advance(ttl - time.Second)
		rp.mustResolve(t, code)
		if n := rp.reads(); n != 1 {
			t.Fatalf("before the TTL passed the database saw %d reads, want 1", n)
		}
		rp.clock.Advance(ttl/10 + time.Second) // past TTL plus any jitter
		rp.mustResolve(t, code)
		if n := rp.reads(); n != 1 {
			t.Errorf("after the TTL passed the database saw %d reads, want 1 (the entry expired, so the next Resolve reads again)", n)
		}
	})
	t.Run("jitter", func(t *testing.T) {
		rp := newReadPath(t, l, 50, nil)
		for _, code := range rp.codes {
			rp.mustResolve(t, code)
		}
		_, _, sets := rp.cache.stats()
		seen := map[time.Duration]bool{}
		for _, s := range sets {
			seen[s.ttl] = true
		}
		if len(seen) < 10 {
			t.Errorf("50 links cached at the same moment got only %d distinct TTLs: without jitter they all expire together (cache avalanche)", len(seen))
		}
	})
	t.Run("filter first", func(t *testing.T) {
		rp := newReadPath(t, l, 2, nil)
		// The link exists, but the filter does not know it: the filter's
		// "no" is final, so neither the cache nor the database is asked.
		hidden := rp.codes[0]
		rp.filter = newSetFilter(rp.codes[1])
		rp.r = l.NewResolver(ResolverConfig{Links: rp.links, Cache: rp.cache, Filter: rp.filter, TTL: ttl, NegativeTTL: negativeTTL})
		_, err := rp.resolve(t, t.Context(), hidden)
		if !errors.Is(err, backend.ErrNotFound) {
			t.Fatalf("Resolve of a code the filter rejects = %v, want backend.ErrNotFound", err)
		}
		if gets, _, _ := rp.cache.stats(); gets != 0 || rp.reads() != 0 {
			t.Errorf("a code the filter rejects reached the cache (%d gets) or the database: check the filter first", gets)
		}
	})
	t.Run("bad code", func(t *testing.T) {
		rp := newReadPath(t, l, 1, nil)
		for _, bad := range []string{"", "0abc", "a-b", "lYGhA16ahyg"} {
			_, err := rp.resolve(t, t.Context(), bad)
			if !errors.Is(err, l.ErrBadCode) {
				t.Errorf("Resolve(%q) = %v, want an error wrapping ErrBadCode", bad, err)
			}
		}
		if gets, _, _ := rp.cache.stats(); gets != 0 || rp.reads() != 0 {
			t.Errorf("malformed codes reached the cache (%d gets) or the database", gets)
		}
	})
	t.Run("negative caching", func(t *testing.T) {
		rp := newReadPath(t, l, 1, nil)
		// A false positive: the filter says maybe, the database has nothing.
		ghost := code62(1<<42 + 999)
		rp.filter.Add(ghost)
		for i := range 3 {
			if _, err := rp.resolve(t, t.Context(), ghost); !errors.Is(err, backend.ErrNotFound) {
				t.Fatalf("Resolve #%d of a code with no link = %v, want backend.ErrNotFound", i+1, err)
			}
		}
		if n := rp.reads(); n != 1 {
			t.Fatalf("3 Resolves of a missing code read the database %d times, want 1: cache the miss as an empty value", n)
		}
		_, _, sets := rp.cache.stats()
		if len(sets) != 1 || sets[0].value != "" || sets[0].ttl != negativeTTL {
			t.Fatalf("cache Sets %+v; want one Set(%q, \"\", NegativeTTL=%v)", sets, ghost, negativeTTL)
		}
		rp.clock.Advance(negativeTTL)
		if _, err := rp.resolve(t, t.Context(), ghost); !errors.Is(err, backend.ErrNotFound) {
			t.Fatal(err)
		}
		if n := rp.reads(); n != 1 {
			t.Errorf("after NegativeTTL the database saw %d reads, want 1", n)
		}
	})
	t.Run("database fails", func(t *testing.T) {
		rp := newReadPath(t, l, 1, nil)
		code := rp.codes[0]
		rp.links.setHook(func(context.Context, uint64) error { return errDB })
		_, err := rp.resolve(t, t.Context(), code)
		if err == nil || errors.Is(err, backend.ErrNotFound) {
			t.Fatalf("Resolve with the database down = %v; want its error, not \"not found\"", err)
		}
		if _, _, sets := rp.cache.stats(); len(sets) != 0 {
			t.Fatalf("a failed read was cached (%+v): the next request must try the database again", sets)
		}
		rp.links.setHook(nil)
		rp.reads()
		rp.mustResolve(t, code)
		if n := rp.reads(); n != 1 {
			t.Errorf("after the database came back: %d reads, want 1", n)
		}
	})
	t.Run("cache fails", func(t *testing.T) {
		rp := newReadPath(t, l, 1, nil)
		rp.cache.setFail(errors.New("cache is down"))
		rp.mustResolve(t, rp.codes[0]) // a slower answer, not an error
	})
}

// TestStampede: step 3, a hot key that expires under load reaches the
// database once, and one caller giving up does not fail the others.
func TestStampede(t *testing.T, l Lab) {
	runStampede(t, l, nil)
}

// runStampede is TestStampede over a fresh cache from cacheFor for each
// case (nil: the LRU).
func runStampede(t *testing.T, l Lab, cacheFor func(*testing.T) backend.Cache) {
	t.Run("hot key", func(t *testing.T) {
		const callers = 64
		rp := newReadPath(t, l, 2, newCacheFor(t, cacheFor))
		code := rp.codes[0]
		probe(t, rp)
		// The read is held until every caller has missed the cache, so all
		// of them are in flight at once: the moment a hot key expires.
		rp.cache.missed = make(chan string, 4*callers)
		rp.links.setHook(func(ctx context.Context, id uint64) error {
			return awaitMisses(ctx, rp.cache.missed, code, callers)
		})
		var wg sync.WaitGroup
		errs := make(chan error, callers)
		for range callers {
			wg.Go(func() {
				u, err := rp.r.Resolve(t.Context(), code)
				if err == nil && u != rp.urls[code] {
					err = fmt.Errorf("got %q", u)
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("a concurrent Resolve failed: %v", err)
			}
		}
		if n := rp.reads(); n != 1 {
			t.Errorf("%d concurrent misses of one key made %d database reads, want 1: share one read with singleflight", callers, n)
		}
	})
	t.Run("recheck in the flight", func(t *testing.T) {
		rp := newReadPath(t, l, 2, newCacheFor(t, cacheFor))
		code := rp.codes[0]
		probe(t, rp)
		// Between this caller's miss and its flight, another flight fills
		// the cache. The flight must look again before reading the database.
		var once sync.Once
		rp.cache.onMiss = func(key string) {
			once.Do(func() { rp.cache.Cache.Set(context.Background(), key, rp.urls[key], ttl) })
		}
		rp.mustResolve(t, code)
		if n := rp.reads(); n != 0 {
			t.Errorf("the database was read although the cache had the link when the flight began: get from the cache again inside the flight")
		}
	})
	t.Run("first caller gives up", func(t *testing.T) {
		rp := newReadPath(t, l, 2, newCacheFor(t, cacheFor))
		code := rp.codes[0]
		probe(t, rp)
		readCtx, release := make(chan context.Context, 1), make(chan struct{})
		rp.links.setHook(func(ctx context.Context, _ uint64) error {
			select {
			case readCtx <- ctx:
			default:
			}
			<-release
			return ctx.Err() // a read whose context was cancelled fails
		})
		defer close(release)
		first, cancel := context.WithCancel(t.Context())
		firstErr := make(chan error, 1)
		go func() { _, err := rp.r.Resolve(first, code); firstErr <- err }()
		var shared context.Context
		select {
		case shared = <-readCtx:
		case <-time.After(guard):
			t.Fatal("the first caller's database read never started")
		}
		cancel()
		select {
		case err := <-firstErr:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("the cancelled caller got %v, want context.Canceled", err)
			}
		case <-time.After(guard):
			t.Fatal("a caller that cancelled did not return while the shared read was still running: wait for the flight with select on ctx.Done()")
		}
		if shared.Err() != nil {
			t.Errorf("cancelling the first caller cancelled the database read the other callers share: run it on context.WithoutCancel(ctx)")
		}
		if _, ok := shared.Deadline(); !ok {
			t.Errorf("the shared database read has no deadline: bound it (FlightTimeout), since no caller can cancel it")
		}
	})
}

func newCacheFor(t *testing.T, cacheFor func(*testing.T) backend.Cache) backend.Cache {
	if cacheFor == nil {
		return nil
	}
	return cacheFor(t)
}

// probe stops the test with step 3's TODO before any goroutine starts. It
// resolves another link than the one under test, which stays uncached: to
// the cache, a key that just expired and one never loaded look the same.
func probe(t *testing.T, rp *readPath) {
	t.Helper()
	rp.mustResolve(t, rp.codes[1])
	rp.reads()
}

// awaitMisses returns once missed has delivered n misses of key.
func awaitMisses(ctx context.Context, missed chan string, key string, n int) error {
	timeout := time.NewTimer(guard)
	defer timeout.Stop()
	for got := 0; got < n; {
		select {
		case k := <-missed:
			if k == key {
				got++
			}
		case <-timeout.C:
			return fmt.Errorf("only %d of %d callers missed the cache while the first database read was held: do not hold a lock across the read", got, n)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
