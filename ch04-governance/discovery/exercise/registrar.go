// Package exercise is your discovery lab: a registrar that keeps service
// instances in etcd under leases (steps 1-2), a gRPC resolver that watches
// them (steps 3-4), and the order in which a backend leaves (step 5).
// README.md has the steps; the scaffolding around the TODOs is given.
package exercise

import (
	"context"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/grpclabs/labs/ch04-governance/registry"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Registrar registers instances in etcd; it implements registry.Registrar.
// Each registration has a lease of its own, so an instance that dies
// takes only its own key with it.
type Registrar struct {
	cli *clientv3.Client
}

// NewRegistrar returns a registrar that writes through cli.
func NewRegistrar(cli *clientv3.Client) *Registrar { return &Registrar{cli: cli} }

// Register puts inst in etcd under a lease of ttl, in the layout etcd's
// naming/endpoints manager uses, and keeps it there until Deregister.
func (r *Registrar) Register(ctx context.Context, inst registry.Instance, ttl time.Duration) (registry.Registration, error) {
	// Step 1: encode inst with registry.EncodeEtcd, turn ttl into whole
	// seconds (round up; less than one is an error), make the registration
	// with newRegistration, announce it, then start it.
	return nil, labkit.TODO("Registrar.Register")
}

// registration is one instance's key, kept alive under a lease.
type registration struct {
	cli        *clientv3.Client
	key, value string
	ttl        int64 // seconds

	cancel context.CancelFunc // ends keep
	done   chan struct{}      // closed when run returns
	once   sync.Once          // Deregister's work happens once

	mu           sync.Mutex
	lease        clientv3.LeaseID // the current lease; every re-registration replaces it
	err          error            // why keep stopped
	deregistered bool
}

func newRegistration(cli *clientv3.Client, key, value string, ttl int64) *registration {
	return &registration{cli: cli, key: key, value: value, ttl: ttl, done: make(chan struct{})}
}

// announce grants a fresh lease and puts the key under it. If the put
// fails the lease is revoked, so nothing dangles.
func (g *registration) announce(ctx context.Context) (clientv3.LeaseID, error) {
	// Step 1: Grant a lease of g.ttl seconds, Put g.key = g.value with
	// clientv3.WithLease; if the Put fails, revoke the lease you granted.
	return 0, labkit.TODO("registration.announce")
}

// start records the first lease and runs keep in the background. The
// registration outlives Register's ctx: it ends with Deregister.
func (g *registration) start(lease clientv3.LeaseID) {
	g.setLease(lease)
	ctx, cancel := context.WithCancel(context.Background())
	g.cancel = cancel
	go g.run(ctx)
}

// run runs keep and records why it stopped.
func (g *registration) run(ctx context.Context) {
	defer close(g.done)
	err := keepErr(ctx, g.keep(ctx))
	g.mu.Lock()
	g.err = err
	g.mu.Unlock()
}

// keepErr is nil when keep ended because the registration was
// deregistered, and keep's error otherwise.
func keepErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// keep renews the lease while the instance lives. When the lease is lost
// (revoked; expired because etcd was unreachable for longer than the TTL;
// gone with a cluster restored from an old backup) it registers again
// under a new lease, retrying with backoff until etcd answers. It returns
// when ctx ends (Deregister), or with an error when the etcd client has
// been closed, since then nothing can be renewed any more.
func (g *registration) keep(ctx context.Context) error {
	// Step 2: KeepAlive the current lease and drain its channel; when it
	// closes, announce again (with backoff, each attempt bounded) until it
	// works. Return ctx.Err() once ctx ends, and an error once the etcd
	// client is closed (g.cli.Ctx()).
	return labkit.TODO("registration.keep")
}

// sleep waits for d or until ctx ends, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (g *registration) setLease(lease clientv3.LeaseID) {
	g.mu.Lock()
	g.lease = lease
	g.mu.Unlock()
}

func (g *registration) currentLease() clientv3.LeaseID {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lease
}

// stopKeeping ends keep, waits for it, marks the registration
// deregistered and returns the last lease it held.
func (g *registration) stopKeeping() clientv3.LeaseID {
	g.cancel()
	<-g.done
	g.mu.Lock()
	defer g.mu.Unlock()
	g.deregistered = true
	return g.lease
}

// Deregister stops renewing and revokes the lease, which deletes the key
// with it at once: watchers see the instance leave now, not a TTL later.
func (g *registration) Deregister(ctx context.Context) error {
	// Step 1: once (g.once): stopKeeping, then Revoke the lease it returns.
	// A lease etcd no longer has (rpctypes.ErrLeaseNotFound) is no error;
	// with a closed client, do not wait for a Revoke that cannot work.
	return labkit.TODO("registration.Deregister")
}

// Done is closed once the registration has stopped.
func (g *registration) Done() <-chan struct{} { return g.done }

// Err says why the registration stopped, or nil while it runs.
func (g *registration) Err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.deregistered {
		return registry.ErrDeregistered
	}
	return g.err
}
