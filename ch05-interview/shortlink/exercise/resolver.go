package exercise

import (
	"context"
	"time"

	"github.com/grpclabs/labs/ch05-interview/shortlink/backend"
	"github.com/grpclabs/labs/scripts/labkit"
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
	cfg ResolverConfig
	// Step 3: a singleflight.Group (golang.org/x/sync/singleflight).
}

// NewResolver returns a Resolver for cfg.
func NewResolver(cfg ResolverConfig) *Resolver {
	if cfg.FlightTimeout <= 0 {
		cfg.FlightTimeout = 5 * time.Second
	}
	return &Resolver{cfg: cfg}
}

// Resolve returns the URL stored under code, or an error wrapping
// ErrBadCode (a malformed code) or backend.ErrNotFound (no such link):
// Decode, then the filter, then the cache, then one database read shared
// by every concurrent caller of the same code, whose result (found or not)
// is cached.
//
// Step 3.
func (r *Resolver) Resolve(ctx context.Context, code string) (string, error) {
	return "", labkit.TODO("Resolver.Resolve")
}

// ttl is how long to cache a found link: TTL plus up to a tenth of it at
// random (math/rand/v2's rand.N).
//
// Step 3: add the jitter.
func (r *Resolver) ttl() time.Duration {
	return r.cfg.TTL
}
