// Package service is the gcpressure drill's patient: a profile-page service
// as it ran in production when its memory kept climbing and, under a
// memory limit, the garbage collector started running nearly non-stop.
// It is given, not written by you: the drill is to find what is wrong with
// it from the outside (metrics, a heap profile, gctrace) and fix it by
// handing it a better Cache.
package service

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
)

// PageSize is about how many bytes one rendered page holds.
const PageSize = 2 << 10

// scratchSize is the renderer's working memory per page: garbage as soon
// as the page is done. A variable, so the compiler cannot keep it on the
// stack: it is the steady allocation every real service has.
var scratchSize = 8 << 10

// Cache holds rendered pages by request key.
type Cache interface {
	Get(key string) ([]byte, bool)
	Put(key string, page []byte)
	Len() int
}

// Unbounded is the cache the service shipped with: a map with no TTL and
// no size limit (缓存未设TTL). Every distinct key it ever saw stays.
type Unbounded struct {
	mu    sync.RWMutex
	pages map[string][]byte
}

// NewUnbounded returns an empty Unbounded.
func NewUnbounded() *Unbounded { return &Unbounded{pages: map[string][]byte{}} }

// Get implements Cache.
func (c *Unbounded) Get(key string) ([]byte, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p, ok := c.pages[key]
	return p, ok
}

// Put implements Cache.
func (c *Unbounded) Put(key string, page []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pages[key] = page
}

// Len implements Cache.
func (c *Unbounded) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.pages)
}

// Service renders profile pages and caches them.
type Service struct {
	cache   Cache
	renders atomic.Int64
}

// New returns a Service caching in c.
func New(c Cache) *Service { return &Service{cache: c} }

// Page returns user's profile page for a request whose query string is
// query. The cache key is the whole request, query included: the mobile
// app adds a fresh request id to every URL, so almost no two keys are
// ever the same, and the cache keeps every page it renders.
func (s *Service) Page(user int, query string) []byte {
	key := Key(user, query)
	if p, ok := s.cache.Get(key); ok {
		return p
	}
	p := s.render(user)
	s.cache.Put(key, p)
	return p
}

// Renders is how many pages were rendered (cache misses).
func (s *Service) Renders() int64 { return s.renders.Load() }

// render builds the page in a scratch buffer and keeps a copy of the
// result: the copy is what the cache holds on to.
func (s *Service) render(user int) []byte {
	s.renders.Add(1)
	scratch := make([]byte, 0, scratchSize)
	scratch = append(scratch, "<h1>user "...)
	scratch = strconv.AppendInt(scratch, int64(user), 10)
	scratch = append(scratch, "</h1>\n<ul>\n"...)
	for i := 0; len(scratch) < PageSize-64; i++ {
		scratch = append(scratch, "<li>post "...)
		scratch = strconv.AppendInt(scratch, int64(i), 10)
		scratch = append(scratch, " of the user's timeline</li>\n"...)
	}
	scratch = append(scratch, "</ul>\n"...)
	return append([]byte(nil), scratch...)
}

// ServeHTTP serves GET /profile?user=N&... with the page for user N.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	user, err := strconv.Atoi(r.URL.Query().Get("user"))
	if err != nil || user < 0 {
		http.Error(w, "user must be a non-negative number", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(s.Page(user, r.URL.RawQuery))
}

// Key is the cache key Page uses, for tests that look at a cache.
func Key(user int, query string) string { return strconv.Itoa(user) + "?" + query }
