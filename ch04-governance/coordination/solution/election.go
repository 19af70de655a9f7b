package solution

import (
	"context"
	"errors"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
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
	s, err := concurrency.NewSession(cli, concurrency.WithTTL(ttl))
	if err != nil {
		return fmt.Errorf("coordination: election %s: session: %w", name, err)
	}
	defer s.Close()
	e := concurrency.NewElection(s, electionName(name))
	if err := e.Campaign(ctx, id); err != nil {
		return fmt.Errorf("coordination: election %s: campaign: %w", name, err)
	}
	leading, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.Ctx(), cancel)
	act(leading)
	cancel()
	stop()
	if s.Ctx().Err() != nil {
		return ErrLeadershipLost
	}
	// act has stopped acting, so handing over now cannot overlap.
	if err := e.Resign(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("coordination: election %s: resign (the lease ends at Close anyway): %w", name, err)
	}
	return ctx.Err()
}

// Leader returns the id of the current leader of election name: the
// value of the oldest candidate's key.
func Leader(ctx context.Context, cli *clientv3.Client, name string) (string, error) {
	resp, err := cli.Get(ctx, electionPrefix(name), clientv3.WithFirstCreate()...)
	if err != nil {
		return "", fmt.Errorf("coordination: election %s: %w", name, err)
	}
	if len(resp.Kvs) == 0 {
		return "", ErrNoLeader
	}
	return string(resp.Kvs[0].Value), nil
}
