package solution

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	shortlinkv1 "github.com/grpclabs/labs/ch05-interview/gen/shortlink/v1"
	"github.com/grpclabs/labs/ch05-interview/shortlink/backend"
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
	cfg      Config
	filter   *Bloom
	resolver *Resolver
}

// NewServer builds the filter from every link already stored (a filter
// lives in memory: after a restart it is rebuilt from the database) and
// the resolver on top of it.
func NewServer(ctx context.Context, cfg Config) (*Server, error) {
	var ids []uint64
	if err := cfg.Links.EachID(ctx, func(id uint64) { ids = append(ids, id) }); err != nil {
		return nil, fmt.Errorf("shortlink: load the filter: %w", err)
	}
	filter, err := NewBloom(max(cfg.ExpectedLinks, len(ids)), cfg.FalsePositive)
	if err != nil {
		return nil, fmt.Errorf("shortlink: %w", err)
	}
	for _, id := range ids {
		filter.Add(Encode(id))
	}
	return &Server{
		cfg:    cfg,
		filter: filter,
		resolver: NewResolver(ResolverConfig{
			Links: cfg.Links, Cache: cfg.Cache, Filter: filter,
			TTL: cfg.TTL, NegativeTTL: cfg.NegativeTTL,
		}),
	}, nil
}

// Shorten implements ShortLinkService. The order matters: the link is in
// the database before its code is in the filter (a Resolve between the two
// would only be refused, never wrong), and the cache entry written last
// replaces a "no such link" a probe may have left there.
func (s *Server) Shorten(ctx context.Context, req *shortlinkv1.ShortenRequest) (*shortlinkv1.ShortenResponse, error) {
	if err := checkURL(req.GetUrl()); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	id, err := s.cfg.Links.Create(ctx, s.cfg.IDs.Next(), req.GetUrl())
	if err != nil {
		return nil, toStatus(err)
	}
	code := Encode(id)
	s.filter.Add(code)
	_ = s.cfg.Cache.Set(ctx, code, req.GetUrl(), s.resolver.ttl()) // best effort: Resolve can fill it
	return &shortlinkv1.ShortenResponse{Code: code}, nil
}

// Resolve implements ShortLinkService.
func (s *Server) Resolve(ctx context.Context, req *shortlinkv1.ResolveRequest) (*shortlinkv1.ResolveResponse, error) {
	u, err := s.resolver.Resolve(ctx, req.GetCode())
	if err != nil {
		return nil, toStatus(err)
	}
	return &shortlinkv1.ResolveResponse{Url: u}, nil
}

// ServeHTTP is the redirect: GET /{code} answers 302 Found with the URL in
// Location. 302 and not 301: browsers cache a 301 forever, so the service
// would never see the click again (no statistics, no way to change or
// remove the link).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	u, err := s.resolver.Resolve(r.Context(), strings.TrimPrefix(r.URL.Path, "/"))
	switch {
	case err == nil:
		http.Redirect(w, r, u, http.StatusFound)
	case errors.Is(err, ErrBadCode):
		http.Error(w, err.Error(), http.StatusBadRequest)
	case errors.Is(err, backend.ErrNotFound):
		http.Error(w, "no such link", http.StatusNotFound)
	default:
		http.Error(w, "cannot resolve the link now", http.StatusServiceUnavailable)
	}
}

// checkURL accepts absolute http and https URLs of at most MaxURLLen bytes.
func checkURL(raw string) error {
	if len(raw) > MaxURLLen {
		return fmt.Errorf("url is %d bytes, at most %d", len(raw), MaxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("url %q: scheme must be http or https", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("url %q has no host", raw)
	}
	return nil
}

// toStatus gives err its gRPC code.
func toStatus(err error) error {
	switch {
	case errors.Is(err, ErrBadCode):
		return status.Error(codes.InvalidArgument, err.Error())
	case errors.Is(err, backend.ErrNotFound):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return status.FromContextError(err).Err()
	}
	return status.Error(codes.Unavailable, "shortlink: "+err.Error())
}
