// Package solution is the coordination lab's reference: chapter 3's local
// tools with their distributed counterparts on etcd. A lock with etcd's
// concurrency package and the same lock by hand from a lease, a
// transaction and revision order; leader election; and a store that
// refuses writes from a lock holder that lost its lock without knowing
// it (fencing tokens).
package solution

import (
	"context"
	"errors"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// ErrLockLost says the lock's lease ended while fn held it: from that
// moment another process may have held the lock too, so whatever fn did
// after that point was unprotected.
var ErrLockLost = errors.New("coordination: the lock was lost while held (its lease ended)")

// lockPrefix is where the lock name's keys live: one key per contender,
// the oldest one holds the lock. (concurrency.NewMutex and NewElection
// add the trailing slash themselves: give them lockName.)
func lockPrefix(name string) string { return lockName(name) + "/" }

func lockName(name string) string { return "locks/" + name }

// WithLock runs fn while holding the distributed lock name, with etcd's
// concurrency package: a session (a lease of ttl seconds, kept alive)
// and a Mutex on the lock's prefix. fn gets the fencing token, the lock
// key's create revision, which grows with every new holder; and a
// context that ends if the session's lease is lost, so fn can stop.
// WithLock waits for the lock until ctx ends, and releases it when fn
// returns (the lease's revocation releases it even if the unlock fails).
func WithLock(ctx context.Context, cli *clientv3.Client, name string, ttl int, fn func(ctx context.Context, token int64) error) error {
	s, err := concurrency.NewSession(cli, concurrency.WithTTL(ttl))
	if err != nil {
		return fmt.Errorf("coordination: lock %s: session: %w", name, err)
	}
	defer s.Close() // revokes the lease: the key goes with it
	m := concurrency.NewMutex(s, lockName(name))
	if err := m.Lock(ctx); err != nil {
		return fmt.Errorf("coordination: lock %s: %w", name, err)
	}
	// Header() is the revision of the read that saw us as holder, not
	// when our key was made; the token is the key's own create revision.
	resp, err := cli.Get(ctx, m.Key())
	if err != nil || len(resp.Kvs) == 0 {
		return fmt.Errorf("coordination: lock %s: read the lock key: %v", name, errors.Join(err, ErrLockLost))
	}
	token := resp.Kvs[0].CreateRevision

	held, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.Ctx(), cancel) // the session ends when its lease does
	defer stop()
	err = fn(held, token)
	// Still the holder? The session notices a lost lease only at its next
	// keep-alive; the key itself says so now.
	own, oerr := cli.Txn(context.WithoutCancel(ctx)).If(m.IsOwner()).Commit()
	if oerr != nil || !own.Succeeded || s.Ctx().Err() != nil {
		return errors.Join(err, oerr, ErrLockLost)
	}
	if uerr := m.Unlock(context.WithoutCancel(ctx)); uerr != nil {
		return errors.Join(err, fmt.Errorf("coordination: unlock %s: %w", name, uerr))
	}
	return err
}
