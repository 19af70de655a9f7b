package solution

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/grpclabs/labs/ch05-interview/shortlink/backend"
)

// ResolverConfig is what a Resolver reads through.
type ResolverConfig struct {
	Links  backend.Links
	Cache  backend.Cache
	Filter backend.Filter
	// TTL is how long a found link stays cached; each entry gets up to a
	// tenth more at random, so links cached together do not expire together.
	TTL time.Duration
	// NegativeTTL is how long "no such link" stays cached.
	NegativeTTL time.Duration
	// FlightTimeout bounds one database read shared by many callers
	// (default 5s): it runs on a context none of them can cancel.
	FlightTimeout time.Duration
}

// Resolver is the read path: filter, cache, then one shared database read.
type Resolver struct {
	cfg     ResolverConfig
	flights singleflight.Group
}

// NewResolver returns a Resolver for cfg.
func NewResolver(cfg ResolverConfig) *Resolver {
	if cfg.FlightTimeout <= 0 {
		cfg.FlightTimeout = 5 * time.Second
	}
	return &Resolver{cfg: cfg}
}

// Resolve returns the URL stored under code. The three classic cache
// failures each have their guard here:
//
//   - penetration (缓存穿透): codes that exist nowhere would miss the cache
//     every time and all reach the database. The Bloom filter answers most
//     of them ("certainly not") before the cache; its false positives are
//     cached as "no such link" for NegativeTTL, so each reaches the
//     database at most once per NegativeTTL.
//   - breakdown (缓存击穿): when a hot key expires, every concurrent request
//     misses at once. singleflight turns them into one database read; the
//     read checks the cache again first, because a flight that starts just
//     after another one ended would otherwise read the database again.
//   - avalanche (缓存雪崩): keys cached at the same moment expire at the same
//     moment. Each entry's TTL gets random jitter.
func (r *Resolver) Resolve(ctx context.Context, code string) (string, error) {
	id, err := Decode(code)
	if err != nil {
		return "", err
	}
	if !r.cfg.Filter.MayContain(code) {
		return "", backend.ErrNotFound
	}
	// A cache that fails is a slower path, not an outage: fall through to
	// the database, where singleflight still limits the load.
	if v, ok, err := r.cfg.Cache.Get(ctx, code); err == nil && ok {
		return found(v)
	}
	ch := r.flights.DoChan(code, func() (any, error) {
		// The first caller's context must not cancel a read the others
		// wait for: keep its values, drop its cancellation, bound the time.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.FlightTimeout)
		defer cancel()
		if v, ok, err := r.cfg.Cache.Get(fctx, code); err == nil && ok {
			return v, nil
		}
		u, err := r.cfg.Links.URL(fctx, id)
		switch {
		case errors.Is(err, backend.ErrNotFound):
			_ = r.cfg.Cache.Set(fctx, code, "", r.cfg.NegativeTTL) // best effort
			return "", nil
		case err != nil:
			return nil, err // not cached: the next request tries again
		}
		_ = r.cfg.Cache.Set(fctx, code, u, r.ttl())
		return u, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return "", res.Err
		}
		return found(res.Val.(string))
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// found turns a cached value into an answer: "" is the negative entry.
func found(v string) (string, error) {
	if v == "" {
		return "", backend.ErrNotFound
	}
	return v, nil
}

// ttl is TTL plus up to a tenth of it at random.
func (r *Resolver) ttl() time.Duration {
	if r.cfg.TTL < 10 {
		return r.cfg.TTL
	}
	return r.cfg.TTL + rand.N(r.cfg.TTL/10)
}
