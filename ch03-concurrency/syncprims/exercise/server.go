package exercise

import (
	"context"

	syncprimsv1 "github.com/grpclabs/labs/ch03-concurrency/gen/syncprims/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Server serves the cache over gRPC and keeps per-key statistics.
type Server struct {
	syncprimsv1.UnimplementedCacheServiceServer
	cache *Cache

	// Step 5: a sync.Map from key to that key's counters (atomics), and an
	// atomic in-flight gauge.
}

// NewServer returns a CacheService server in front of cache.
func NewServer(cache *Cache) *Server { return &Server{cache: cache} }

// Get answers from the cache and counts the call.
func (s *Server) Get(ctx context.Context, req *syncprimsv1.GetRequest) (*syncprimsv1.GetResponse, error) {
	return nil, labkit.TODO("Server.Get")
}

// Stats reports the counters, sorted by key.
func (s *Server) Stats(ctx context.Context, req *syncprimsv1.StatsRequest) (*syncprimsv1.StatsResponse, error) {
	return nil, labkit.TODO("Server.Stats")
}
