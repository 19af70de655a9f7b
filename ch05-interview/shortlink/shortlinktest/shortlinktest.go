// Package shortlinktest is the shortlink drill's suite. The exercise and
// the solution both run it through their one-screen *_test.go files.
//
// Everything runs against the real pieces: SQLite through modernc.org/sqlite,
// gRPC over bufconn and loopback TCP, net/http on loopback, and, where
// redis-server is installed, a real Redis started for the test. The suite
// counts what reaches the database and the cache by wrapping them, and
// moves time with a settable clock, so TTLs expire without waiting.
package shortlinktest

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	shortlinkv1 "github.com/grpclabs/labs/ch05-interview/gen/shortlink/v1"
	"github.com/grpclabs/labs/ch05-interview/shortlink/backend"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch05-interview/shortlink"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "Encode and Decode"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "NewBloom"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "Resolver.Resolve"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "the Server"}
)

// Bloom is what the suite needs of the drill's filter.
type Bloom interface {
	backend.Filter
	Bits() uint64
	Hashes() int
}

// ResolverConfig mirrors the drill's ResolverConfig field for field, so the
// one-screen test files convert it with a plain conversion.
type ResolverConfig struct {
	Links         backend.Links
	Cache         backend.Cache
	Filter        backend.Filter
	TTL           time.Duration
	NegativeTTL   time.Duration
	FlightTimeout time.Duration
}

// Resolver is the drill's read path.
type Resolver interface {
	Resolve(ctx context.Context, code string) (string, error)
}

// Config mirrors the drill's Config.
type Config struct {
	Links         backend.Links
	Cache         backend.Cache
	IDs           *backend.IDs
	ExpectedLinks int
	FalsePositive float64
	TTL           time.Duration
	NegativeTTL   time.Duration
}

// Server is the drill's service: gRPC and the HTTP redirect.
type Server interface {
	shortlinkv1.ShortLinkServiceServer
	http.Handler
}

// Lab is one implementation of the drill.
type Lab struct {
	Encode      func(id uint64) string
	Decode      func(code string) (uint64, error)
	ErrBadCode  error
	NewBloom    func(n int, p float64) (Bloom, error)
	NewResolver func(ResolverConfig) Resolver
	NewServer   func(context.Context, Config) (Server, error)
}

// Settings the fixtures use.
const (
	ttl         = 10 * time.Minute
	negativeTTL = time.Minute
)

// start is where every fake clock starts: a fixed instant, so Snowflake
// ids, and therefore codes, are the same on every run.
var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// openStore opens a fresh SQLite database in the test's directory.
func openStore(t testing.TB) *backend.Store {
	t.Helper()
	st, err := backend.OpenStore(filepath.Join(t.TempDir(), "links.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
