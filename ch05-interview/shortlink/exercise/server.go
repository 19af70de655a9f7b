package exercise

import (
	"context"
	"net/http"
	"time"

	shortlinkv1 "github.com/grpclabs/labs/ch05-interview/gen/shortlink/v1"
	"github.com/grpclabs/labs/ch05-interview/shortlink/backend"
	"github.com/grpclabs/labs/scripts/labkit"
)

// MaxURLLen is the longest URL Shorten accepts; browsers and proxies
// start to refuse longer ones.
const MaxURLLen = 2048

// Config is the service's wiring.
type Config struct {
	Links backend.Links
	Cache backend.Cache
	IDs   *backend.IDs
	// ExpectedLinks and FalsePositive size the Bloom filter. A filter
	// cannot grow: size it for the links you expect to hold.
	ExpectedLinks int
	FalsePositive float64
	TTL           time.Duration
	NegativeTTL   time.Duration
}

// Server serves ShortLinkService over gRPC and the redirect over HTTP.
type Server struct {
	shortlinkv1.UnimplementedShortLinkServiceServer
	cfg Config
	// Step 4: the filter and the resolver.
}

// NewServer builds the Bloom filter, fills it with every link already
// stored (Links.EachID: after a restart the filter must know the old
// links) and the resolver on top of it.
//
// Step 4.
func NewServer(ctx context.Context, cfg Config) (*Server, error) {
	return nil, labkit.TODO("NewServer")
}

// Shorten implements ShortLinkService: check the URL, store it under a new
// id (Links.Create returns the existing id for a known URL), and put its
// code in the filter and the link in the cache.
//
// Step 4.
func (s *Server) Shorten(ctx context.Context, req *shortlinkv1.ShortenRequest) (*shortlinkv1.ShortenResponse, error) {
	return nil, labkit.TODO("Server.Shorten")
}

// Resolve implements ShortLinkService.
//
// Step 4.
func (s *Server) Resolve(ctx context.Context, req *shortlinkv1.ResolveRequest) (*shortlinkv1.ResolveResponse, error) {
	return nil, labkit.TODO("Server.Resolve")
}

// ServeHTTP is the redirect: GET or HEAD /{code} answers 302 Found with
// the URL in Location; 404, 400 and 405 (with Allow) for the rest.
//
// Step 4.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	http.Error(w, labkit.TODO("Server.ServeHTTP").Error(), http.StatusNotImplemented)
}
