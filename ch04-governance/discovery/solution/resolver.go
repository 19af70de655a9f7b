package solution

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/grpclog"
	"google.golang.org/grpc/resolver"

	"github.com/grpclabs/labs/ch04-governance/registry"
)

// Scheme is the resolver's target scheme: dial "etcd:///greeter".
const Scheme = "etcd"

// ListTimeout bounds one listing of a service's prefix. A client's call
// to an unreachable etcd waits for a connection; after ListTimeout the
// resolver reports the error and tries again.
var ListTimeout = 2 * time.Second

var logger = grpclog.Component("etcd-resolver")

// NewResolverBuilder returns a gRPC resolver that finds a service's
// instances in etcd through cli. Register it per connection with
// grpc.WithResolvers(NewResolverBuilder(cli)) and dial "etcd:///<service>".
func NewResolverBuilder(cli *clientv3.Client) resolver.Builder { return builder{cli: cli} }

type builder struct{ cli *clientv3.Client }

func (builder) Scheme() string { return Scheme }

// Build checks the target and starts watching; it never waits for etcd.
func (b builder) Build(target resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	service := strings.TrimPrefix(target.Endpoint(), "/")
	if service == "" || strings.Contains(service, "/") {
		return nil, fmt.Errorf("etcd resolver: target %q names no service: dial %s:///<service>", target.URL.String(), Scheme)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &etcdResolver{
		cli:    b.cli,
		cc:     cc,
		prefix: registry.Prefix(service),
		cancel: cancel,
		done:   make(chan struct{}),
	}
	go r.run(ctx)
	return r, nil
}

// etcdResolver keeps one service's instances in sync with etcd.
type etcdResolver struct {
	cli    *clientv3.Client
	cc     resolver.ClientConn
	prefix string
	cancel context.CancelFunc
	done   chan struct{}

	// Only run's goroutine touches these.
	instances map[string]registry.Instance // etcd key → instance: the last good set
	pushed    resolver.State
}

// run lists, watches, and starts over when the watch ends, until Close.
func (r *etcdResolver) run(ctx context.Context) {
	defer close(r.done)
	for attempt := 0; ; attempt++ {
		rev, err := r.list(ctx)
		if err == nil {
			attempt = 0
			err = r.watch(ctx, rev)
		}
		if ctx.Err() != nil {
			return
		}
		if !r.retry(ctx, err, attempt) {
			return
		}
	}
}

// list reads every instance under the prefix, replaces the set and
// pushes it, and returns the revision it read at. On error the last good
// set stays: stale beats empty while etcd is unreachable.
func (r *etcdResolver) list(ctx context.Context) (int64, error) {
	lctx, cancel := context.WithTimeout(ctx, ListTimeout)
	defer cancel()
	resp, err := r.cli.Get(lctx, r.prefix, clientv3.WithPrefix())
	if err != nil {
		return 0, fmt.Errorf("etcd resolver: list %s: %w", r.prefix, err)
	}
	r.instances = map[string]registry.Instance{}
	for _, kv := range resp.Kvs {
		r.apply(mvccpb.PUT, kv)
	}
	r.push()
	return resp.Header.Revision, nil
}

// watch applies every change after rev and pushes the new set, until the
// watch ends; it says why. WithRev(rev+1) makes the watch start exactly
// after what list saw, even on a member that lags behind the one that
// answered the list. WithRequireLeader ends the watch when its member
// loses the leader, instead of waiting silently for a leader that may be
// gone for good.
func (r *etcdResolver) watch(ctx context.Context, rev int64) error {
	wctx, cancel := context.WithCancel(requireLeader(ctx))
	defer cancel()
	for wr := range r.cli.Watch(wctx, r.prefix, clientv3.WithPrefix(), clientv3.WithRev(rev+1)) {
		if err := r.watchErr(wr); err != nil {
			return err
		}
		for _, ev := range wr.Events {
			r.apply(ev.Type, ev.Kv)
		}
		r.push()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("etcd resolver: watch %s ended", r.prefix)
}

// requireLeader makes a watch on ctx end when its member loses the
// leader, instead of waiting silently for a leader that may be gone.
func requireLeader(ctx context.Context) context.Context {
	return clientv3.WithRequireLeader(ctx)
}

// watchErr is the error a watch response carries (a compaction, a lost
// leader), or nil.
func (r *etcdResolver) watchErr(wr clientv3.WatchResponse) error {
	if err := wr.Err(); err != nil {
		return fmt.Errorf("etcd resolver: watch %s: %w", r.prefix, err)
	}
	return nil
}

// apply records one put or delete. A value that is not a valid
// registration is logged and dropped: whoever wrote it, it names no
// instance a client could call.
func (r *etcdResolver) apply(typ mvccpb.Event_EventType, kv *mvccpb.KeyValue) {
	key := string(kv.Key)
	if typ == mvccpb.DELETE {
		delete(r.instances, key)
		return
	}
	inst, err := registry.DecodeEtcd(kv.Key, kv.Value)
	if err != nil {
		logger.Warningf("skipping %v", err)
		delete(r.instances, key)
		return
	}
	r.instances[key] = inst
}

// push sends the set to gRPC unless it is what was sent last.
func (r *etcdResolver) push() {
	s := registry.State(slices.Collect(maps.Values(r.instances)))
	if statesEqual(s, r.pushed) && r.pushed.Endpoints != nil {
		return
	}
	r.pushed = s
	// An error asks for a re-resolve; a watch already delivers every change.
	_ = r.cc.UpdateState(s)
}

func statesEqual(a, b resolver.State) bool {
	return slices.EqualFunc(a.Endpoints, b.Endpoints, func(x, y resolver.Endpoint) bool {
		ix, _ := registry.FromEndpoint(x)
		iy, _ := registry.FromEndpoint(y)
		return ix == iy
	})
}

// retry decides what happens after list or watch failed: report the
// error to gRPC (the balancer keeps the last good set; a channel that never
// had one fails its calls with it, instead of letting them hang), wait
// with exponential backoff, and start over. A compaction is no failure:
// the revision the watch needed is gone, so the resolver lists again at
// once.
func (r *etcdResolver) retry(ctx context.Context, err error, attempt int) bool {
	if errors.Is(err, rpctypes.ErrCompacted) {
		return true
	}
	r.cc.ReportError(err)
	return sleep(ctx, min(100*time.Millisecond<<min(attempt, 5), 3*time.Second))
}

// ResolveNow is a hint that a connection failed; the watch already keeps
// the set current, so there is nothing to do.
func (*etcdResolver) ResolveNow(resolver.ResolveNowOptions) {}

// Close stops the watch and waits for the goroutine to end.
func (r *etcdResolver) Close() {
	r.cancel()
	<-r.done
}
