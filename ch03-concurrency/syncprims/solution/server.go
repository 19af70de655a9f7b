package solution

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	syncprimsv1 "github.com/grpclabs/labs/ch03-concurrency/gen/syncprims/v1"
)

// Server serves the cache over gRPC and keeps per-key statistics.
type Server struct {
	syncprimsv1.UnimplementedCacheServiceServer
	cache *Cache

	// stats maps a key to its *keyStats. This is the case sync.Map is built
	// for: an entry is written once, the first time a key is seen, and then
	// only read, by handlers running on many goroutines. The counters inside
	// are atomics, so updating them never writes to the map.
	stats    sync.Map
	inFlight atomic.Int64
}

type keyStats struct {
	gets, failures atomic.Int64
}

// NewServer returns a CacheService server in front of cache.
func NewServer(cache *Cache) *Server { return &Server{cache: cache} }

// Get answers from the cache and counts the call.
func (s *Server) Get(ctx context.Context, req *syncprimsv1.GetRequest) (*syncprimsv1.GetResponse, error) {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)

	st := s.entry(req.GetKey())
	st.gets.Add(1)
	v, err := s.cache.Get(ctx, req.GetKey())
	if err != nil {
		st.failures.Add(1)
		return nil, err
	}
	return &syncprimsv1.GetResponse{Value: v}, nil
}

// entry returns the stats of key, creating them on first use. Load first:
// the common case (key already known) then allocates nothing.
func (s *Server) entry(key string) *keyStats {
	if v, ok := s.stats.Load(key); ok {
		return v.(*keyStats)
	}
	v, _ := s.stats.LoadOrStore(key, new(keyStats))
	return v.(*keyStats)
}

// Stats reports the counters, sorted by key. The snapshot is not atomic
// across keys (Range may see a Get counted for one key but not yet for
// another): fine for monitoring, which is what it is for.
func (s *Server) Stats(context.Context, *syncprimsv1.StatsRequest) (*syncprimsv1.StatsResponse, error) {
	resp := &syncprimsv1.StatsResponse{InFlight: s.inFlight.Load()}
	s.stats.Range(func(k, v any) bool {
		st := v.(*keyStats)
		resp.Keys = append(resp.Keys, &syncprimsv1.KeyStats{
			Key: k.(string), Gets: st.gets.Load(), Failures: st.failures.Load(),
		})
		return true
	})
	slices.SortFunc(resp.Keys, func(a, b *syncprimsv1.KeyStats) int { return strings.Compare(a.Key, b.Key) })
	return resp, nil
}
