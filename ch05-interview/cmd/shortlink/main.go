// Command shortlink runs the shortlink drill's service for trying by hand:
// gRPC (ShortLinkService, with reflection for grpcurl) and the HTTP
// redirect, on SQLite, with the in-process LRU or a Redis server as the
// cache.
//
//	go run ./ch05-interview/cmd/shortlink                      # gRPC on 127.0.0.1:50051, HTTP on 127.0.0.1:8080
//	grpcurl -plaintext -d '{"url":"https://go.dev/"}' 127.0.0.1:50051 shortlink.v1.ShortLinkService/Shorten
//	curl -i http://127.0.0.1:8080/<code>                      # 302 Found, Location: https://go.dev/
//	go run ./ch05-interview/cmd/shortlink -cache=redis -redis=127.0.0.1:6379
//	go run ./ch05-interview/cmd/shortlink -impl=exercise       # your code
//
// Without -db the database lives in a temporary directory removed at exit.
// Exit status: 0 after a clean stop, 1 when it cannot serve, 2 for bad flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"

	shortlinkv1 "github.com/grpclabs/labs/ch05-interview/gen/shortlink/v1"
	"github.com/grpclabs/labs/ch05-interview/shortlink/backend"
	"github.com/grpclabs/labs/ch05-interview/shortlink/exercise"
	"github.com/grpclabs/labs/ch05-interview/shortlink/solution"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("shortlink", run) }

// server is what both implementations build.
type server interface {
	shortlinkv1.ShortLinkServiceServer
	http.Handler
}

type config struct {
	links         backend.Links
	cache         backend.Cache
	ids           *backend.IDs
	expected      int
	ttl, negative time.Duration
}

var impls = map[string]func(context.Context, config) (server, error){
	demo.Solution: func(ctx context.Context, c config) (server, error) {
		return solution.NewServer(ctx, solution.Config{Links: c.links, Cache: c.cache, IDs: c.ids,
			ExpectedLinks: c.expected, FalsePositive: 0.01, TTL: c.ttl, NegativeTTL: c.negative})
	},
	demo.Exercise: func(ctx context.Context, c config) (server, error) {
		return exercise.NewServer(ctx, exercise.Config{Links: c.links, Cache: c.cache, IDs: c.ids,
			ExpectedLinks: c.expected, FalsePositive: 0.01, TTL: c.ttl, NegativeTTL: c.negative})
	},
}

func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("shortlink")
	grpcAddr := fs.String("grpc-addr", "127.0.0.1:50051", "`host:port` for gRPC (port 0 picks one)")
	httpAddr := fs.String("http-addr", "127.0.0.1:8080", "`host:port` for the redirects (port 0 picks one)")
	dbPath := fs.String("db", "", "SQLite database `file` (default: a temporary one, removed at exit)")
	cacheKind := fs.String("cache", "lru", "cache: lru (in-process) or redis")
	redisAddr := fs.String("redis", "", "Redis `address` for -cache=redis: host:port, or a unix socket path")
	expected := fs.Int("expected", 1_000_000, "links the Bloom filter is sized for (1% false positives)")
	ttl := fs.Duration("ttl", 10*time.Minute, "how long a resolved link stays cached")
	which := demo.ImplFlag(fs)
	usage := "shortlink [-grpc-addr host:port] [-http-addr host:port] [-db file] [-cache lru|redis] [-redis addr] [-impl solution|exercise]"
	if err := demo.Parse(fs, args, usage, 0, stdio.Err); err != nil {
		return err
	}
	newServer, err := demo.Pick(*which, impls[demo.Solution], impls[demo.Exercise])
	if err != nil {
		return err
	}
	if *expected < 1 || *ttl <= 0 {
		return demo.Usagef("-expected and -ttl must be positive")
	}
	var cache backend.Cache
	switch *cacheKind {
	case "lru":
		if *redisAddr != "" {
			return demo.Usagef("-redis needs -cache=redis")
		}
		cache = backend.NewLRU(100_000, nil)
	case "redis":
		if *redisAddr == "" {
			return demo.Usagef("-cache=redis needs -redis=host:port (or a unix socket path)")
		}
		opts := &redis.Options{Addr: *redisAddr}
		if strings.HasPrefix(*redisAddr, "/") {
			opts.Network = "unix"
		}
		client := redis.NewClient(opts)
		defer client.Close()
		if err := client.Ping(ctx).Err(); err != nil {
			return fmt.Errorf("redis at %s: %w", *redisAddr, err)
		}
		cache = backend.NewRedis(client, "shortlink:")
	default:
		return demo.Usagef("-cache must be lru or redis, got %q", *cacheKind)
	}

	path := *dbPath
	if path == "" {
		dir, err := os.MkdirTemp("", "shortlink-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "links.db")
	}
	store, err := backend.OpenStore(path)
	if err != nil {
		return err
	}
	defer store.Close()
	ids, _ := backend.NewIDs(0, nil)
	srv, err := newServer(ctx, config{links: store, cache: cache, ids: ids, expected: *expected, ttl: *ttl, negative: time.Minute})
	if err != nil {
		return fmt.Errorf("impl=%s: %w", *which, err)
	}

	hl, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		return fmt.Errorf("cannot listen for HTTP: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	httpDone := make(chan error, 1)
	go func() { httpDone <- hs.Serve(hl) }()
	fmt.Fprintf(stdio.Out, "shortlink (impl=%s, cache=%s, db=%s): redirects on http://%s/<code>\n", *which, *cacheKind, path, hl.Addr())

	err = demo.Serve(ctx, demo.Server{
		Addr:     *grpcAddr,
		Register: func(g *grpc.Server) { shortlinkv1.RegisterShortLinkServiceServer(g, srv) },
		Services: []string{shortlinkv1.ShortLinkService_ServiceDesc.ServiceName},
		Out:      stdio.Out,
	})
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if herr := hs.Shutdown(sctx); herr != nil && err == nil {
		err = herr
	}
	if herr := <-httpDone; !errors.Is(herr, http.ErrServerClosed) && err == nil {
		err = herr
	}
	return err
}
