package solution

import (
	"context"
	"errors"
	"fmt"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Mutex is WithLock's lock built by hand, in the same key layout as
// concurrency.Mutex (prefix + the lease id in hex), so the two exclude
// each other on the same name:
//
//   - a lease, kept alive, so the lock frees itself when its holder dies;
//   - a transaction that creates this contender's key only if it does not
//     exist yet, so retries never make two keys;
//   - revision order: the key with the lowest create revision holds the
//     lock, and each waiter watches only the key just before its own, so
//     an unlock wakes one waiter, not the whole herd.
type Mutex struct {
	cli    *clientv3.Client
	prefix string
	ttl    int64

	mu     sync.Mutex
	lease  clientv3.LeaseID
	key    string
	cancel context.CancelFunc // stops the keep-alive
	lost   chan struct{}      // closed when the lease is gone
}

// NewMutex returns the lock name, with a lease of ttl seconds per holder.
func NewMutex(cli *clientv3.Client, name string, ttl int) *Mutex {
	return &Mutex{cli: cli, prefix: lockPrefix(name), ttl: int64(ttl)}
}

// Lock waits until this Mutex holds the lock or ctx ends, and returns the
// fencing token: its key's create revision. A Mutex holds the lock once
// at a time; Lock while held is an error.
func (m *Mutex) Lock(ctx context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock() // held while waiting: Unlock and Lost wait for Lock to end
	if m.key != "" {
		return 0, errors.New("coordination: Lock on a Mutex that already holds the lock")
	}
	lease, err := m.cli.Grant(ctx, m.ttl)
	if err != nil {
		return 0, fmt.Errorf("coordination: lock %s: grant: %w", m.prefix, err)
	}
	kaCtx, cancel := context.WithCancel(context.Background())
	ka, err := m.cli.KeepAlive(kaCtx, lease.ID)
	if err != nil {
		cancel()
		m.cli.Revoke(context.WithoutCancel(ctx), lease.ID) //nolint:errcheck // best effort
		return 0, fmt.Errorf("coordination: lock %s: keep-alive: %w", m.prefix, err)
	}
	lost := make(chan struct{})
	go func() {
		for range ka {
		}
		close(lost)
	}()
	m.lease, m.cancel, m.lost = lease.ID, cancel, lost
	m.key = fmt.Sprintf("%s%x", m.prefix, lease.ID)

	token, err := m.acquire(ctx)
	if err != nil {
		m.releaseLocked(context.WithoutCancel(ctx))
		return 0, fmt.Errorf("coordination: lock %s: %w", m.prefix, err)
	}
	return token, nil
}

// acquire creates the key and waits for every older key to go.
func (m *Mutex) acquire(ctx context.Context) (int64, error) {
	resp, err := m.cli.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(m.key), "=", 0)).
		Then(clientv3.OpPut(m.key, "", clientv3.WithLease(m.lease))).
		Else(clientv3.OpGet(m.key)).
		Commit()
	if err != nil {
		return 0, err
	}
	myRev := resp.Header.Revision
	if !resp.Succeeded {
		myRev = resp.Responses[0].GetResponseRange().Kvs[0].CreateRevision
	}
	for {
		// The newest key older than ours: the one to wait for.
		prev, err := m.cli.Get(ctx, m.prefix, append(clientv3.WithLastCreate(), clientv3.WithMaxCreateRev(myRev-1))...)
		if err != nil {
			return 0, err
		}
		if len(prev.Kvs) == 0 {
			return myRev, nil
		}
		if err := m.waitDeleted(ctx, string(prev.Kvs[0].Key), prev.Header.Revision); err != nil {
			return 0, err
		}
	}
}

// waitDeleted returns once key is deleted after rev, or ctx ends.
func (m *Mutex) waitDeleted(ctx context.Context, key string, rev int64) error {
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	for wr := range m.cli.Watch(wctx, key, clientv3.WithRev(rev+1), clientv3.WithFilterPut()) {
		if err := wr.Err(); err != nil {
			return err
		}
		for _, ev := range wr.Events {
			if ev.Type == clientv3.EventTypeDelete {
				return nil
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.New("watch ended") // the caller looks again
}

// Unlock releases the lock by revoking its lease, which deletes the key.
func (m *Mutex) Unlock(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.key == "" {
		return errors.New("coordination: Unlock of a Mutex that does not hold the lock")
	}
	return m.releaseLocked(ctx)
}

func (m *Mutex) releaseLocked(ctx context.Context) error {
	m.cancel()
	<-m.lost
	_, err := m.cli.Revoke(ctx, m.lease)
	m.key, m.lease = "", 0
	if err != nil {
		return fmt.Errorf("coordination: unlock %s (the lease expires by itself): %w", m.prefix, err)
	}
	return nil
}

// Lost is closed when the lease of the current holding ends without
// Unlock: another process may hold the lock from then on. It is nil
// while the Mutex holds nothing.
func (m *Mutex) Lost() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.key == "" {
		return nil
	}
	return m.lost
}
