// Package exercise is your coordination lab: chapter 3's local tools with
// their distributed counterparts on etcd. A lock with etcd's concurrency
// package (step 1) and the same lock by hand (step 2), leader election
// (step 3), and a store that refuses writes from a lock holder that lost
// its lock without knowing it (step 4). README.md has the steps.
package exercise

import (
	"context"
	"errors"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/grpclabs/labs/scripts/labkit"
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
	// Step 1: concurrency.NewSession with WithTTL(ttl) (Close it when
	// done), concurrency.NewMutex(session, lockName(name)), Lock(ctx).
	// The token is the create revision of m.Key(). Run fn with a context
	// that also ends with the session (context.AfterFunc(s.Ctx(), ...)).
	// After fn: if a txn If(m.IsOwner()) fails, or the session ended,
	// return ErrLockLost (joined with fn's error); else Unlock.
	return labkit.TODO("WithLock")
}
