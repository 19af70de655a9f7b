package exercise

import (
	"context"
	"errors"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/grpclabs/labs/scripts/labkit"
)

// ErrLeadershipLost says the leader's lease ended while it led: another
// candidate may have been elected before this one noticed.
var ErrLeadershipLost = errors.New("coordination: leadership lost (the leader's lease ended)")

// ErrNoLeader says nobody leads the election right now.
var ErrNoLeader = errors.New("coordination: no leader")

// electionPrefix is where an election's candidates wait, one key each.
func electionPrefix(name string) string { return electionName(name) + "/" }

func electionName(name string) string { return "elections/" + name }

// Lead campaigns in election name as id, with a lease of ttl seconds,
// and once elected runs act with a context that ends when leadership
// does: ctx ends (then Lead resigns, so the next candidate takes over at
// once, not a TTL later) or the lease is lost (then act must stop: it is
// no longer the leader, and Lead returns ErrLeadershipLost). Lead returns
// when act has returned, or with ctx's error if ctx ends before it is
// elected.
//
// This is sync.Once for a fleet: exactly one replica does the job at a
// time, not once ever.
func Lead(ctx context.Context, cli *clientv3.Client, name, id string, ttl int, act func(ctx context.Context)) error {
	// Step 3: a session (WithTTL), concurrency.NewElection(session,
	// electionName(name)), Campaign(ctx, id). Run act with a context that
	// ends with ctx or the session. After act: lost session means
	// ErrLeadershipLost; otherwise Resign (on a context that is not
	// cancelled) and return ctx.Err().
	return labkit.TODO("Lead")
}

// Leader returns the id of the current leader of election name: the
// value of the oldest candidate's key.
func Leader(ctx context.Context, cli *clientv3.Client, name string) (string, error) {
	// Step 3: the oldest key under electionPrefix(name) holds the leader's
	// id as its value (clientv3.WithFirstCreate); none is ErrNoLeader.
	return "", labkit.TODO("Leader")
}
