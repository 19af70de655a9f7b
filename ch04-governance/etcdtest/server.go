package etcdtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"

	"github.com/grpclabs/labs/scripts/labkit"
)

// Server is one etcd member run for a test, reached through a [Proxy].
type Server struct {
	member MemberConfig
	proxy  *Proxy

	mu sync.Mutex
	e  *embed.Etcd // nil while stopped
}

// Start runs a single-member etcd with its data in t.TempDir(), ready to
// serve. It stops when the test ends, after the clients the test made
// with [Server.Client] have closed.
func Start(t testing.TB) *Server {
	t.Helper()
	s := newServer(t, MemberConfig{Dir: t.TempDir(), Client: "127.0.0.1:0"})
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	e, err := StartMember(ctx, s.member)
	if err != nil {
		t.Fatal(err)
	}
	s.started(e)
	return s
}

func newServer(t testing.TB, m MemberConfig) *Server {
	p, err := NewProxy("127.0.0.1:1") // retargeted once the member listens
	if err != nil {
		t.Fatalf("etcdtest: proxy: %v", err)
	}
	s := &Server{member: m, proxy: p}
	t.Cleanup(s.close)
	return s
}

// started records a running member; the peer address it got is kept so a
// restart finds its cluster again.
func (s *Server) started(e *embed.Etcd) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.e = e
	s.member.Peer = e.Peers[0].Addr().String()
	s.proxy.SetTarget(e.Clients[0].Addr().String())
}

// Endpoint is the address clients under test dial: the proxy in front of
// the member. It stays the same across [Server.Restart].
func (s *Server) Endpoint() string { return s.proxy.Addr() }

// Direct is the member's own client address, for an observer that must
// keep seeing etcd while the clients under test are partitioned. It
// changes when the member restarts.
func (s *Server) Direct() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.e == nil {
		return ""
	}
	return s.e.Clients[0].Addr().String()
}

// Etcd is the running member (nil while stopped).
func (s *Server) Etcd() *embed.Etcd {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.e
}

// Client returns a client of [Server.Endpoint], closed when the test ends
// (before the server stops).
func (s *Server) Client(t testing.TB) *clientv3.Client {
	t.Helper()
	return NewClient(t, s.Endpoint())
}

// Partition cuts every client connection and refuses new ones: etcd runs
// on, but the clients under test cannot reach it. Direct clients are not
// affected.
func (s *Server) Partition() { s.proxy.Cut() }

// Heal ends a partition.
func (s *Server) Heal() { s.proxy.Heal() }

// Stop stops the member the way a crash looks to its clients: their
// connections drop at once (through the proxy; a graceful close would
// wait up to 7 s for their watches), then the member closes. Its data is
// kept for [Server.Restart].
func (s *Server) Stop() {
	s.proxy.Cut()
	s.mu.Lock()
	e := s.e
	s.e = nil
	s.mu.Unlock()
	if e != nil {
		e.Close()
	}
}

// Restart starts a stopped member again on the same data and waits until
// it is ready (for a cluster member: until it has rejoined its quorum).
// Clients reconnect through the same [Server.Endpoint].
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	var (
		e   *embed.Etcd
		err error
	)
	// The peer port was free when the member stopped; another process may
	// take it in between, so retry a few times before failing.
	for attempt := 0; attempt < 5; attempt++ {
		if e, err = StartMember(ctx, s.member); err == nil || !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	if err != nil {
		t.Fatalf("etcdtest: restart: %v", err)
	}
	s.started(e)
	s.proxy.Heal()
}

func (s *Server) close() {
	s.Stop()
	s.proxy.Close()
}

// ClientTimeout bounds how long a client waits to connect.
const ClientTimeout = 10 * time.Second

// NewClient returns an etcd client of endpoints, closed when the test
// ends. It reconnects within about a second after a partition heals or a
// member restarts (gRPC's default backoff would wait up to two minutes).
func NewClient(t testing.TB, endpoints ...string) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(ClientConfig(endpoints...))
	if err != nil {
		t.Fatalf("etcdtest: client of %v: %v", endpoints, err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// ClientConfig is the client configuration [NewClient] uses.
func ClientConfig(endpoints ...string) clientv3.Config {
	return clientv3.Config{
		Endpoints:   endpoints,
		DialTimeout: ClientTimeout,
		Logger:      zap.NewNop(),
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 50 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second},
			MinConnectTimeout: 5 * time.Second,
		})},
	}
}

// Cluster is a multi-member etcd cluster in this process.
type Cluster struct {
	Members []*Server
}

// StartCluster runs an n-member cluster with its data in t.TempDir() and
// waits until every member is ready. When the test ends, followers stop
// first and the leader last (stopping a leader first makes the others
// elect a new one, for nothing).
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	var lastErr error
	// Peer ports are reserved before the members bind them; another
	// process can take one in between, so a start may need a retry.
	for attempt := 0; attempt < 3; attempt++ {
		c, err := startCluster(t, ctx, n)
		if err == nil {
			return c
		}
		lastErr = err
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	t.Fatalf("etcdtest: cluster of %d: %v", n, lastErr)
	return nil
}

func startCluster(t testing.TB, ctx context.Context, n int) (*Cluster, error) {
	members := make([]MemberConfig, n)
	var initial []string
	for i := range members {
		members[i] = MemberConfig{
			Name:   fmt.Sprintf("m%d", i),
			Dir:    t.TempDir(),
			Client: "127.0.0.1:0",
			Peer:   fmt.Sprintf("127.0.0.1:%d", labkit.FreePort(t)),
		}
		initial = append(initial, fmt.Sprintf("%s=http://%s", members[i].Name, members[i].Peer))
	}
	var launched []*embed.Etcd
	fail := func(err error) (*Cluster, error) {
		for _, e := range launched {
			e.Close()
		}
		return nil, err
	}
	for i := range members {
		members[i].InitialCluster = strings.Join(initial, ",")
		e, err := Launch(members[i])
		if err != nil {
			return fail(err)
		}
		launched = append(launched, e)
	}
	for _, e := range launched {
		if err := Ready(ctx, e); err != nil {
			return fail(err)
		}
	}
	c := &Cluster{}
	for i, e := range launched {
		s := newServer(t, members[i])
		s.started(e)
		c.Members = append(c.Members, s)
	}
	// Registered last, so it runs first: followers, then the leader.
	t.Cleanup(c.close)
	return c, nil
}

func (c *Cluster) close() {
	lead := c.leaderNow()
	for i, m := range c.Members {
		if i != lead {
			m.Stop()
		}
	}
	if lead >= 0 {
		c.Members[lead].Stop()
	}
}

// Endpoints are the members' [Server.Endpoint]s.
func (c *Cluster) Endpoints() []string {
	var eps []string
	for _, m := range c.Members {
		eps = append(eps, m.Endpoint())
	}
	return eps
}

// Client returns a client of every member, closed when the test ends.
func (c *Cluster) Client(t testing.TB) *clientv3.Client {
	t.Helper()
	return NewClient(t, c.Endpoints()...)
}

// leaderNow is the index of the member every running member follows, or
// -1 while they do not agree (an election is under way).
func (c *Cluster) leaderNow() int {
	lead, running := -1, 0
	var agreed uint64
	for _, m := range c.Members {
		e := m.Etcd()
		if e == nil {
			continue
		}
		running++
		l := uint64(e.Server.Leader())
		if l == 0 || (agreed != 0 && l != agreed) {
			return -1
		}
		agreed = l
	}
	for i, m := range c.Members {
		if e := m.Etcd(); e != nil && uint64(e.Server.MemberID()) == agreed {
			lead = i
		}
	}
	if running == 0 {
		return -1
	}
	return lead
}

// Leader waits until the running members agree on a leader among them
// and returns its index. An election after a leader stops takes about
// 1.1-1.4 s here; the wait is bounded only to fail a broken cluster.
func (c *Cluster) Leader(t testing.TB) int {
	t.Helper()
	lead := -1
	Eventually(t, StartTimeout, func() error {
		if lead = c.leaderNow(); lead < 0 {
			return fmt.Errorf("the members do not agree on a leader")
		}
		return nil
	})
	return lead
}
