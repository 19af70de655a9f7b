package shortlinktest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	shortlinkv1 "github.com/grpclabs/labs/ch05-interview/gen/shortlink/v1"
	"github.com/grpclabs/labs/ch05-interview/shortlink/backend"
	"github.com/grpclabs/labs/scripts/labkit"
)

// StartRedis runs a real redis-server for tb: no TCP port (--port 0), a
// unix socket in a temporary directory, no persistence. Without
// redis-server installed it skips (fails with LAB_REQUIRE_TOOLS=1). The
// client closes before the server stops.
func StartRedis(tb testing.TB) *redis.Client {
	tb.Helper()
	path := labkit.LookTool(tb, "redis-server", "redis-server")
	dir := tb.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	labkit.StartDaemon(tb, pingUnix(sock), path,
		"--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
		"--save", "", "--appendonly", "no", "--dir", dir)
	client := redis.NewClient(&redis.Options{Network: "unix", Addr: sock})
	tb.Cleanup(func() { client.Close() })
	return client
}

// pingUnix is ready once the server at sock answers PING.
func pingUnix(sock string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		var d net.Dialer
		c, err := d.DialContext(ctx, "unix", sock)
		if err != nil {
			return err
		}
		defer c.Close()
		if dl, ok := ctx.Deadline(); ok {
			c.SetDeadline(dl)
		}
		if _, err := c.Write([]byte("PING\r\n")); err != nil {
			return err
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return err
		}
		if !strings.HasPrefix(line, "+PONG") {
			return fmt.Errorf("PING answered %q", line)
		}
		return nil
	}
}

// TestRedis: step 4 with the shared cache of a real deployment, Redis,
// instead of the in-process LRU: the same behaviour, and the TTLs are
// Redis's own.
func TestRedis(t *testing.T, l Lab) {
	client := StartRedis(t)
	cacheFor := func(t *testing.T) backend.Cache { return backend.NewRedis(client, t.Name()+":") }
	t.Run("flow", func(t *testing.T) {
		s := newService(t, l, nil, cacheFor(t), 100)
		code := s.shorten(t, "https://redis.io/docs/")
		resp, err := s.srv.Resolve(t.Context(), &shortlinkv1.ResolveRequest{Code: code})
		step4.Require(t, err)
		if resp.GetUrl() != "https://redis.io/docs/" {
			t.Fatalf("Resolve(%q) = %q", code, resp.GetUrl())
		}
		left, err := client.PTTL(t.Context(), t.Name()+":"+code).Result()
		if err != nil {
			t.Fatal(err)
		}
		if left <= 0 || left > ttl+ttl/10 {
			t.Errorf("Redis holds %q for %v more; want a TTL of at most %v", code, left, ttl+ttl/10)
		}
	})
	t.Run("negative entries expire", func(t *testing.T) {
		st := openStore(t)
		seed := map[uint64]string{}
		for i := range uint64(100) { // a full filter: about 1% false positives
			seed[1<<50+i] = fmt.Sprintf("https://redis.io/%d", i)
		}
		if err := st.Import(t.Context(), seed); err != nil {
			t.Fatal(err)
		}
		s := newService(t, l, st, cacheFor(t), 100)
		// Find a false positive: a code the filter lets through.
		for id := uint64(1) << 42; id < 1<<42+10_000; id++ {
			code := code62(id)
			before := s.links.reads.Load()
			if _, err := s.srv.Resolve(t.Context(), &shortlinkv1.ResolveRequest{Code: code}); err == nil {
				continue
			}
			if s.links.reads.Load() == before {
				continue // the filter said no
			}
			left, err := client.PTTL(t.Context(), t.Name()+":"+code).Result()
			if err != nil {
				t.Fatal(err)
			}
			if left <= 0 || left > negativeTTL {
				t.Errorf("the cached miss for %q lives %v more in Redis; want at most NegativeTTL (%v)", code, left, negativeTTL)
			}
			return
		}
		t.Fatal("no false positive among 10,000 unknown codes: is the filter sized for 100 links at 1%?")
	})
	t.Run("penetration", func(t *testing.T) { runPenetration(t, l, cacheFor(t), 1000) })
	t.Run("stampede", func(t *testing.T) { runStampede(t, l, cacheFor) })
}
