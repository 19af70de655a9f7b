package shortlinktest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	shortlinkv1 "github.com/grpclabs/labs/ch05-interview/gen/shortlink/v1"
	"github.com/grpclabs/labs/ch05-interview/internal/clock"
	"github.com/grpclabs/labs/ch05-interview/shortlink/backend"
	"github.com/grpclabs/labs/scripts/labkit"
)

// service is the lab's server over a real SQLite store, with the database
// and the cache wrapped to count, on a settable clock.
type service struct {
	srv   Server
	store *backend.Store
	links *links
	cache *cache
	clock *clock.Clock
}

// newService builds the lab's server on st (nil: a new store) with cache c
// (nil: an LRU on the fixture's clock), sized for expected links at 1%.
func newService(t *testing.T, l Lab, st *backend.Store, c backend.Cache, expected int) *service {
	t.Helper()
	if st == nil {
		st = openStore(t)
	}
	s := &service{store: st, links: &links{Links: st}, clock: clock.New(start)}
	if c == nil {
		c = backend.NewLRU(100_000, s.clock.Now)
	}
	s.cache = newCache(c)
	ids, err := backend.NewIDs(1, s.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := l.NewServer(t.Context(), Config{
		Links: s.links, Cache: s.cache, IDs: ids,
		ExpectedLinks: expected, FalsePositive: 0.01, TTL: ttl, NegativeTTL: negativeTTL,
	})
	step4.Require(t, err)
	s.srv = srv
	return s
}

// shorten calls Shorten in process.
func (s *service) shorten(t *testing.T, u string) string {
	t.Helper()
	resp, err := s.srv.Shorten(t.Context(), &shortlinkv1.ShortenRequest{Url: u})
	step4.Require(t, err)
	return resp.GetCode()
}

// serve serves s over tr and returns a client.
func (s *service) serve(t *testing.T, tr labkit.Transport) shortlinkv1.ShortLinkServiceClient {
	ts := labkit.Serve(t, tr, func(g *grpc.Server) { shortlinkv1.RegisterShortLinkServiceServer(g, s.srv) }, labkit.Options{})
	return shortlinkv1.NewShortLinkServiceClient(ts.Conn)
}

// firstID is the id the fixture's id source gives first: node 1, sequence 0,
// at the fixture clock's instant.
func firstID() uint64 {
	return uint64(start.Sub(backend.Epoch).Milliseconds())<<22 | 1<<12
}

// TestShorten: step 4, the gRPC service end to end.
func TestShorten(t *testing.T, l Lab) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		s := newService(t, l, nil, nil, 1000)
		client := s.serve(t, tr)
		ctx := t.Context()
		resp, err := client.Shorten(ctx, &shortlinkv1.ShortenRequest{Url: "https://go.dev/doc/effective_go"})
		step4.Require(t, err)
		code := resp.GetCode()
		if want := code62(firstID()); code != want {
			t.Errorf("the first code is %q, want %q: Base62 of the id from Config.IDs.Next()", code, want)
		}
		got, err := client.Resolve(ctx, &shortlinkv1.ResolveRequest{Code: code})
		step4.Require(t, err)
		if got.GetUrl() != "https://go.dev/doc/effective_go" {
			t.Errorf("Resolve(%q) = %q, want the URL that was shortened", code, got.GetUrl())
		}
		again, err := client.Shorten(ctx, &shortlinkv1.ShortenRequest{Url: "https://go.dev/doc/effective_go"})
		step4.Require(t, err)
		if again.GetCode() != code {
			t.Errorf("shortening the same URL twice gave %q and %q, want the same code", code, again.GetCode())
		}
		for _, bad := range []string{"", "go.dev", "/relative/path", "ftp://example.com/file", "http://", "javascript:alert(1)",
			"https://example.com/" + strings.Repeat("a", 2100), "http://exa mple.com/"} {
			_, err := client.Shorten(ctx, &shortlinkv1.ShortenRequest{Url: bad})
			if step4.Check(t, err); status.Code(err) != codes.InvalidArgument {
				t.Errorf("Shorten(%.40q) = %v, want InvalidArgument (absolute http or https URLs of at most 2048 bytes)", bad, err)
			}
		}
		for _, c := range []struct {
			code string
			want codes.Code
		}{{code62(firstID() + 1<<30), codes.NotFound}, {"0" + code, codes.InvalidArgument}, {"", codes.InvalidArgument}, {"a/b", codes.InvalidArgument}} {
			_, err := client.Resolve(ctx, &shortlinkv1.ResolveRequest{Code: c.code})
			if step4.Check(t, err); status.Code(err) != c.want {
				t.Errorf("Resolve(%q) = %v, want %v", c.code, err, c.want)
			}
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		s := newService(t, l, nil, nil, 1000)
		s.shorten(t, "https://example.com/probe")
		var (
			mu    sync.Mutex
			byURL = map[string]map[string]bool{}
			wg    sync.WaitGroup
		)
		for g := range 20 {
			wg.Go(func() {
				u := fmt.Sprintf("https://example.com/%d", g%5)
				resp, err := s.srv.Shorten(t.Context(), &shortlinkv1.ShortenRequest{Url: u})
				if err != nil {
					t.Errorf("Shorten(%q): %v", u, err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if byURL[u] == nil {
					byURL[u] = map[string]bool{}
				}
				byURL[u][resp.GetCode()] = true
			})
		}
		wg.Wait()
		for u, cs := range byURL {
			if len(cs) != 1 {
				t.Errorf("concurrent Shortens of %q gave %d different codes, want 1", u, len(cs))
			}
		}
	})
	t.Run("replaces a cached miss", func(t *testing.T) {
		s := newService(t, l, nil, nil, 1000)
		// Someone asked for the next code before it existed, and the miss
		// was cached. Shortening must not leave the new link unreachable.
		next := code62(firstID())
		if err := s.cache.Cache.Set(t.Context(), next, "", negativeTTL); err != nil {
			t.Fatal(err)
		}
		if code := s.shorten(t, "https://example.com/new"); code != next {
			t.Fatalf("code %q, want %q", code, next)
		}
		resp, err := s.srv.Resolve(t.Context(), &shortlinkv1.ResolveRequest{Code: next})
		if err != nil || resp.GetUrl() != "https://example.com/new" {
			t.Errorf("Resolve right after Shorten = %v, %v; want the new URL: write the link to the cache when you create it, over any cached miss", resp.GetUrl(), err)
		}
	})
}

// TestRedirect: step 4, GET /{code} over real HTTP.
func TestRedirect(t *testing.T, l Lab) {
	s := newService(t, l, nil, nil, 1000)
	code := s.shorten(t, "https://go.dev/blog/")
	hs := httptest.NewServer(s.srv)
	t.Cleanup(hs.Close)
	client := hs.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	t.Cleanup(client.CloseIdleConnections)
	do := func(method, path string) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, hs.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		resp := do(method, "/"+code)
		if resp.StatusCode == http.StatusNotImplemented {
			step4.Check(t, labkit.TODO("Server.ServeHTTP"))
		}
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://go.dev/blog/" {
			t.Errorf("%s /%s: %d, Location %q; want 302 Found to https://go.dev/blog/", method, code, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/" + code62(firstID()+1<<30), http.StatusNotFound},
		{http.MethodGet, "/0" + code, http.StatusBadRequest},
		{http.MethodGet, "/a-b", http.StatusBadRequest},
		{http.MethodPost, "/" + code, http.StatusMethodNotAllowed},
		{http.MethodDelete, "/" + code, http.StatusMethodNotAllowed},
	} {
		if resp := do(c.method, c.path); resp.StatusCode != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.want)
		} else if c.want == http.StatusMethodNotAllowed && !strings.Contains(resp.Header.Get("Allow"), "GET") {
			t.Errorf("%s %s: a 405 must say what is allowed; Allow: %q", c.method, c.path, resp.Header.Get("Allow"))
		}
	}
}

// TestPenetration: step 4, random codes that exist nowhere (a scraper, an
// attack) barely reach the database, and never twice.
func TestPenetration(t *testing.T, l Lab) {
	runPenetration(t, l, nil, 3000)
}

func runPenetration(t *testing.T, l Lab, c backend.Cache, probes int) {
	const links, p = 1000, 0.01
	st := openStore(t)
	seed := map[uint64]string{}
	for i := range uint64(links) {
		seed[1<<42+i*7919] = fmt.Sprintf("https://example.com/page/%d", i)
	}
	if err := st.Import(t.Context(), seed); err != nil {
		t.Fatal(err)
	}
	s := newService(t, l, st, c, links)
	r := rand.New(rand.NewPCG(5, 6))
	unknown := make([]string, probes)
	for i := range unknown {
		unknown[i] = code62(1<<42 + r.Uint64N(1<<50))
	}
	s.links.reads.Store(0)
	for round := range 2 {
		for _, code := range unknown {
			_, err := s.srv.Resolve(t.Context(), &shortlinkv1.ResolveRequest{Code: code})
			if status.Code(err) != codes.NotFound {
				t.Fatalf("Resolve(%q) of a code that was never created = %v, want NotFound", code, err)
			}
		}
		reads := s.links.reads.Swap(0)
		switch round {
		case 0:
			t.Logf("%d random codes against %d links: %d reached the database (%.2f%%; the filter was sized for %.0f%%)",
				probes, links, reads, 100*float64(reads)/float64(probes), 100*p)
			if limit := int64(2 * p * float64(probes)); reads > limit {
				t.Errorf("%d of %d unknown codes reached the database, more than twice the filter's %v false-positive rate (%d): check the filter before the cache and the database", reads, probes, p, limit)
			}
		case 1:
			if reads != 0 {
				t.Errorf("asking for the same %d unknown codes again reached the database %d times, want 0: the filter's false positives must be cached as misses", probes, reads)
			}
		}
	}
	for _, bad := range []string{"", "0", "00", "!", strings.Repeat("z", 12)} {
		_, err := s.srv.Resolve(t.Context(), &shortlinkv1.ResolveRequest{Code: bad})
		if code := status.Code(err); code != codes.InvalidArgument && !(bad == "0" && code == codes.NotFound) {
			t.Errorf("Resolve(%q) = %v, want InvalidArgument", bad, err)
		}
	}
	if reads := s.links.reads.Load(); reads != 0 {
		t.Errorf("malformed codes reached the database %d times", reads)
	}
}

// TestRestart: step 4, a new process on the same database knows the old
// links: the filter is rebuilt from the table, not started empty.
func TestRestart(t *testing.T, l Lab) {
	first := newService(t, l, nil, nil, 100)
	var codes []string
	for i := range 3 {
		codes = append(codes, first.shorten(t, fmt.Sprintf("https://example.com/kept/%d", i)))
	}
	second := newService(t, l, first.store, nil, 100)
	for i, code := range codes {
		resp, err := second.srv.Resolve(t.Context(), &shortlinkv1.ResolveRequest{Code: code})
		if err != nil || resp.GetUrl() != fmt.Sprintf("https://example.com/kept/%d", i) {
			t.Errorf("after a restart Resolve(%q) = %q, %v; want the stored link: fill the filter from Links.EachID in NewServer", code, resp.GetUrl(), err)
		}
	}
	_, err := l.NewServer(t.Context(), Config{Links: first.links, Cache: first.cache, ExpectedLinks: 10, FalsePositive: 2})
	if step4.Check(t, err) == nil {
		t.Error("NewServer with a false-positive rate of 2 succeeded; want the filter's error")
	}
	failing := &links{Links: first.store}
	_, err = l.NewServer(t.Context(), Config{Links: eachFails{failing}, Cache: first.cache, ExpectedLinks: 10, FalsePositive: 0.01})
	if step4.Check(t, err); !errors.Is(err, errDB) {
		t.Errorf("NewServer when the table cannot be read = %v, want an error wrapping the database's", err)
	}
}

// eachFails is a database whose table cannot be listed.
type eachFails struct{ backend.Links }

func (eachFails) EachID(context.Context, func(uint64)) error { return errDB }
