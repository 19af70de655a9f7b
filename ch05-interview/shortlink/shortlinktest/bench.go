package shortlinktest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"

	shortlinkv1 "github.com/grpclabs/labs/ch05-interview/gen/shortlink/v1"
	"github.com/grpclabs/labs/ch05-interview/shortlink/backend"
	"github.com/grpclabs/labs/scripts/labkit"
)

// BenchmarkBloom measures MayContain and reports the false-positive rate
// actually seen, next to the one the filter was sized for.
func BenchmarkBloom(b *testing.B, l Lab) {
	for _, c := range []struct {
		n int
		p float64
	}{{1_000_000, 0.01}, {1_000_000, 0.001}} {
		b.Run(fmt.Sprintf("n=%d/p=%v", c.n, c.p), func(b *testing.B) {
			f, err := l.NewBloom(c.n, c.p)
			if err != nil {
				b.Fatal(err)
			}
			base := uint64(1) << 50
			for i := range uint64(c.n) {
				f.Add(code62(base + i))
			}
			probes := make([]string, 1<<16)
			for i := range probes {
				probes[i] = code62(base + uint64(c.n) + uint64(i))
			}
			fp := 0
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if f.MayContain(probes[i%len(probes)]) {
					fp++
				}
			}
			b.ReportMetric(float64(f.Bits())/float64(c.n), "bits/key")
			b.ReportMetric(float64(f.Hashes()), "hashes")
			b.ReportMetric(float64(fp)/float64(b.N), "fp-rate")
		})
	}
}

// BenchmarkLoad resolves links over loopback gRPC, as many callers at once
// as -cpu times 8, with the popularity of real links: a Zipf distribution
// (s = 1.1) over 10,000 links, so a few are hot and most are rare. It
// reports requests per second, the share of requests the cache answered
// and the database reads per request, after a warm-up, for the in-process
// LRU holding a tenth of the links, Redis holding all of them, and no
// cache at all.
func BenchmarkLoad(b *testing.B, l Lab) {
	const n = 10_000
	st, codes := loadStore(b, n)
	var rc *redis.Client // one server for every round of the redis case
	if _, err := exec.LookPath("redis-server"); err == nil {
		rc = StartRedis(b)
	}
	for _, c := range []struct {
		name  string
		cache func(b *testing.B) backend.Cache
	}{
		{"cache=lru", func(*testing.B) backend.Cache { return backend.NewLRU(n/10, nil) }},
		{"cache=redis", func(b *testing.B) backend.Cache {
			if rc == nil {
				b.Skip("redis-server not installed (Debian: apt-get install redis-server)")
			}
			if err := rc.FlushDB(context.Background()).Err(); err != nil {
				b.Fatal(err)
			}
			return backend.NewRedis(rc, "bench:")
		}},
		{"cache=none", func(*testing.B) backend.Cache { return noCache{} }},
	} {
		b.Run(c.name, func(b *testing.B) {
			cc := newCache(c.cache(b))
			db := &links{Links: st}
			ids, _ := backend.NewIDs(2, nil)
			srv, err := l.NewServer(context.Background(), Config{
				Links: db, Cache: cc, IDs: ids,
				ExpectedLinks: n, FalsePositive: 0.01, TTL: time.Hour, NegativeTTL: time.Minute,
			})
			if err != nil {
				b.Fatal(err)
			}
			ts := labkit.Serve(b, labkit.Loopback, func(g *grpc.Server) { shortlinkv1.RegisterShortLinkServiceServer(g, srv) }, labkit.Options{})
			client := shortlinkv1.NewShortLinkServiceClient(ts.Conn)
			resolve := func(code string) {
				if _, err := client.Resolve(context.Background(), &shortlinkv1.ResolveRequest{Code: code}); err != nil {
					b.Fatal(err)
				}
			}
			// Warm up: every link once, then the popular ones, so the
			// numbers are the steady state, not a cold cache filling up.
			warm := rand.NewZipf(rand.New(rand.NewPCG(0, 7)), 1.1, 1, n-1)
			for _, code := range codes {
				resolve(code)
			}
			for range n {
				resolve(codes[warm.Uint64()])
			}
			cc.reset()
			db.reads.Store(0)
			var seed atomic.Uint64
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				r := rand.New(rand.NewPCG(seed.Add(1), 7))
				zipf := rand.NewZipf(r, 1.1, 1, n-1)
				for pb.Next() {
					code := codes[zipf.Uint64()]
					if _, err := client.Resolve(context.Background(), &shortlinkv1.ResolveRequest{Code: code}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			_, hits, _ := cc.stats()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			b.ReportMetric(float64(hits)/float64(b.N), "hit-rate")
			b.ReportMetric(float64(db.reads.Load())/float64(b.N), "db-reads/op")
		})
	}
}

// loadStore fills a store with n links and returns their codes.
func loadStore(b *testing.B, n int) (*backend.Store, []string) {
	b.Helper()
	st, err := backend.OpenStore(filepath.Join(b.TempDir(), "links.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	seed := map[uint64]string{}
	codes := make([]string, n)
	for i := range codes {
		id := uint64(1)<<58 + uint64(i)
		seed[id] = fmt.Sprintf("https://example.com/%d", i)
		codes[i] = code62(id)
	}
	if err := st.Import(context.Background(), seed); err != nil {
		b.Fatal(err)
	}
	return st, codes
}

// noCache forgets everything: every read goes to the database.
type noCache struct{}

func (noCache) Get(context.Context, string) (string, bool, error)        { return "", false, nil }
func (noCache) Set(context.Context, string, string, time.Duration) error { return nil }

// BenchmarkJournal inserts links one transaction at a time, as Shorten
// does, with SQLite's default rollback journal (an fsync on every commit)
// and with the store's WAL and synchronous=NORMAL.
func BenchmarkJournal(b *testing.B) {
	for _, c := range []struct{ name, query string }{
		{"journal=delete", ""},
		{"journal=wal", "WAL"},
	} {
		b.Run(c.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "links.db")
			dsn := "file:" + path
			if c.query != "" {
				dsn = backend.DSN(path)
			}
			db, err := sql.Open("sqlite", dsn)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(`CREATE TABLE links (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE, created INTEGER NOT NULL)`); err != nil {
				b.Fatal(err)
			}
			for i := 0; b.Loop(); i++ {
				if _, err := db.Exec(`INSERT INTO links VALUES (?, ?, 0)`, i, fmt.Sprintf("https://example.com/%d", i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
