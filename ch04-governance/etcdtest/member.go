// Package etcdtest runs real etcd servers inside the process, with etcd's
// own embed package, for the chapter's tests and for cmd/devetcd. Nothing
// here is a mock: the members are etcd v3.7, with raft, leases and watches.
//
//   - [StartMember] starts one member from a [MemberConfig] and waits until
//     it serves (cmd/devetcd is this and a signal handler).
//   - [Start] and [StartCluster] give a test a single member or a cluster
//     whose data lives in t.TempDir() and which stops when the test ends.
//     Clients reach every member through a [Proxy], so a test can cut
//     clients off ([Server.Partition]), stop a member the way a crash looks
//     from outside ([Server.Stop]) and start it again on the same data at
//     the same address ([Server.Restart]).
//   - [VerifyTestMain] is goleak's check for packages that run clusters.
//
// Embedded etcd does not run inside testing/synctest (it hangs), so tests
// that use it run on real time: wait for conditions with deadlines
// ([Eventually]), never for durations.
package etcdtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// MemberConfig describes one etcd member.
type MemberConfig struct {
	// Name is the member's name in its cluster ("default" when empty).
	Name string
	// Dir holds its data; a member restarted on the same Dir keeps it.
	Dir string
	// Client is the host:port clients connect to; port 0 picks a free one
	// (read it back from Etcd.Clients[0].Addr()).
	Client string
	// Peer is the host:port other members connect to. A single member may
	// use port 0; members of a cluster must know each other's in advance.
	Peer string
	// InitialCluster lists every member as name=http://peer,... ; empty
	// means a cluster of this member alone.
	InitialCluster string
	// Logger receives etcd's logs; nil discards them.
	Logger *zap.Logger
}

// Config is the embed configuration for m, with etcd's defaults otherwise
// (100 ms heartbeat, 1 s election timeout: faster raft settings were
// flaky under -race on a loaded machine).
func (m MemberConfig) Config() (*embed.Config, error) {
	cfg := embed.NewConfig()
	if m.Name != "" {
		cfg.Name = m.Name
	}
	if m.Dir == "" {
		return nil, errors.New("etcdtest: a member needs a data directory")
	}
	cfg.Dir = m.Dir
	client, err := url.Parse("http://" + m.Client)
	if err != nil || client.Port() == "" {
		return nil, fmt.Errorf("etcdtest: client address %q is not host:port", m.Client)
	}
	peerAddr := m.Peer
	if peerAddr == "" {
		peerAddr = "127.0.0.1:0"
	}
	peer, err := url.Parse("http://" + peerAddr)
	if err != nil || peer.Port() == "" {
		return nil, fmt.Errorf("etcdtest: peer address %q is not host:port", m.Peer)
	}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*client}, []url.URL{*client}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*peer}, []url.URL{*peer}
	cfg.InitialCluster = m.InitialCluster
	if cfg.InitialCluster == "" {
		cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	}
	logger := m.Logger
	if logger == nil {
		logger = zap.NewNop()
	}
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(logger)
	return cfg, nil
}

// StartMember starts a member and waits until it serves clients, it
// fails, or ctx ends. A member of a cluster is ready only once a quorum
// has started, so start every member before waiting on any.
func StartMember(ctx context.Context, m MemberConfig) (*embed.Etcd, error) {
	e, err := Launch(m)
	if err != nil {
		return nil, err
	}
	if err := Ready(ctx, e); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Launch starts a member without waiting for it to be ready.
func Launch(m MemberConfig) (*embed.Etcd, error) {
	cfg, err := m.Config()
	if err != nil {
		return nil, err
	}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("etcdtest: start member %s: %w", cfg.Name, err)
	}
	return e, nil
}

// Ready waits until e serves clients, fails, or ctx ends.
func Ready(ctx context.Context, e *embed.Etcd) error {
	select {
	case <-e.Server.ReadyNotify():
		return nil
	case err := <-e.Err():
		return fmt.Errorf("etcdtest: member failed while starting: %v", err)
	case <-ctx.Done():
		return fmt.Errorf("etcdtest: member not ready: %w", context.Cause(ctx))
	}
}

// StartTimeout bounds a start: a member is ready in 0.3-1 s and a
// three-member cluster in 2-4 s on a quiet machine; a loaded one is
// several times slower.
const StartTimeout = 60 * time.Second
