// Package solution is the discovery lab's reference: a registrar that keeps
// service instances in etcd under leases, a gRPC resolver that watches
// them, and the order in which a backend leaves.
package solution

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/grpclabs/labs/ch04-governance/registry"
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
	value, err := registry.EncodeEtcd(inst)
	if err != nil {
		return nil, err
	}
	// etcd leases are whole seconds; round up so the instance is never
	// dropped sooner than asked.
	secs := int64(math.Ceil(ttl.Seconds()))
	if secs < 1 {
		return nil, fmt.Errorf("registrar: ttl %v must be at least a second", ttl)
	}
	g := newRegistration(r.cli, registry.Key(inst.Service, inst.ID), value, secs)
	lease, err := g.announce(ctx)
	if err != nil {
		return nil, fmt.Errorf("registrar: register %s: %w", g.key, err)
	}
	g.start(lease)
	return g, nil
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
	lease, err := g.cli.Grant(ctx, g.ttl)
	if err != nil {
		return 0, fmt.Errorf("grant a %ds lease: %w", g.ttl, err)
	}
	if _, err := g.cli.Put(ctx, g.key, g.value, clientv3.WithLease(lease.ID)); err != nil {
		g.cli.Revoke(context.WithoutCancel(ctx), lease.ID) //nolint:errcheck // best effort: the lease expires anyway
		return 0, fmt.Errorf("put %s: %w", g.key, err)
	}
	return lease.ID, nil
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
	for {
		// KeepAlive renews at a third of the TTL; its channel closes when
		// the lease is gone, or when no renewal got through for a TTL.
		ka, err := g.cli.KeepAlive(ctx, g.currentLease())
		if err == nil {
			for range ka {
			}
		}
		wait := 100 * time.Millisecond
		for {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if g.cli.Ctx().Err() != nil {
				return fmt.Errorf("registrar: %s: the etcd client was closed", g.key)
			}
			// Bound the attempt: a request to an unreachable etcd waits
			// for a connection, and the next attempt should try again.
			actx, cancel := context.WithTimeout(ctx, time.Duration(g.ttl)*time.Second)
			lease, err := g.announce(actx)
			cancel()
			if err == nil {
				g.setLease(lease)
				break
			}
			if !sleep(ctx, wait) {
				return ctx.Err()
			}
			wait = min(2*wait, 2*time.Second)
		}
	}
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
	var err error
	g.once.Do(func() {
		lease := g.stopKeeping()
		if g.cli.Ctx().Err() != nil {
			err = fmt.Errorf("registrar: deregister %s: the etcd client was closed (the key expires within %ds)", g.key, g.ttl)
			return
		}
		// A lease etcd no longer has took the key with it: nothing to undo.
		if _, rerr := g.cli.Revoke(ctx, lease); rerr != nil && !errors.Is(rerr, rpctypes.ErrLeaseNotFound) {
			err = fmt.Errorf("registrar: deregister %s (it expires within %ds anyway): %w", g.key, g.ttl, rerr)
		}
	})
	return err
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
