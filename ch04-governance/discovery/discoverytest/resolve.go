package discoverytest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/naming/endpoints"
	etcdresolver "go.etcd.io/etcd/client/v3/naming/resolver"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch04-governance/etcdtest"
	greeterv1 "github.com/grpclabs/labs/ch04-governance/gen/greeter/v1"
	"github.com/grpclabs/labs/ch04-governance/greeter"
	"github.com/grpclabs/labs/ch04-governance/registry"
)

// TestResolve: step 3, list then watch, with the instances' metadata on
// the endpoints, and real calls through round_robin.
func TestResolve(t *testing.T, l Lab) {
	t.Parallel()
	s := etcdtest.Shared(t)
	obs := s.Client(t)
	svc := service(t)
	b1 := registry.Instance{Service: svc, ID: "b1", Addr: "127.0.0.1:5001", Version: "1.0.0", Zone: "eu-1a", Weight: 3}
	put(t, obs, b1, 0)
	put(t, obs, instance(svc, "b2", "127.0.0.1:5002"), 0)

	t.Run("list and watch", func(t *testing.T) {
		rec, _ := build(t, step3, l.NewResolverBuilder(s.Client(t)), svc)
		st := rec.waitAddrs(t, step3, "127.0.0.1:5001", "127.0.0.1:5002")
		if got := endpointInstance(t, st, b1.Addr); got != b1 {
			t.Errorf("the endpoint of b1 carries %+v, want %+v: build endpoints with registry.Endpoint so balancers see weight and zone", got, b1)
		}
		put(t, obs, instance(svc, "b3", "127.0.0.1:5003"), 0)
		rec.waitAddrs(t, step3, "127.0.0.1:5001", "127.0.0.1:5002", "127.0.0.1:5003")
		del(t, obs, svc, "b2")
		rec.waitAddrs(t, step3, "127.0.0.1:5001", "127.0.0.1:5003")

		heavier := b1
		heavier.Weight = 7
		put(t, obs, heavier, 0)
		etcdtest.Eventually(t, etcdtest.Wait, func() error {
			states, _ := rec.snapshot()
			if got := endpointInstance(t, states[len(states)-1], b1.Addr); got.Weight != 7 {
				return fmt.Errorf("b1's weight changed to 7 in etcd; its endpoint still says %d", got.Weight)
			}
			return nil
		})

		// Junk under the prefix, and a neighbour service whose name starts
		// the same: neither is an instance of svc.
		if _, err := obs.Put(t.Context(), registry.Key(svc, "junk"), "not a registration"); err != nil {
			t.Fatal(err)
		}
		put(t, obs, instance(svc+"-admin", "x", "127.0.0.1:6000"), 0)
		put(t, obs, instance(svc, "b4", "127.0.0.1:5004"), 0) // after the junk: seeing it means the junk was processed
		rec.waitAddrs(t, step3, "127.0.0.1:5001", "127.0.0.1:5003", "127.0.0.1:5004")
	})

	t.Run("bad targets", func(t *testing.T) {
		b := l.NewResolverBuilder(s.Client(t))
		for _, tgt := range []string{b.Scheme() + ":///", b.Scheme() + ":///a/b"} {
			res, err := b.Build(target(t, tgt), &recorder{}, resolver.BuildOptions{})
			step3.Check(t, err)
			if err == nil {
				res.Close()
				t.Errorf("Build(%q) succeeded; a target must name one service: %s:///<service>", tgt, b.Scheme())
			}
		}
	})

	t.Run("calls", func(t *testing.T) {
		svc := svc + "-calls"
		var ids []string
		for _, id := range []string{"c1", "c2", "c3"} {
			b := startBackend(t, id)
			put(t, obs, instance(svc, id, b.addr), 0)
			ids = append(ids, id)
		}
		client := dial(t, l.NewResolverBuilder(s.Client(t)), svc)
		waitSpread(t, step3, client, 30, ids...)
		del(t, obs, svc, "c2")
		waitSpread(t, step3, client, 30, "c1", "c3")
	})
}

// endpointInstance is the registry instance on the endpoint for addr.
func endpointInstance(t *testing.T, s resolver.State, addr string) registry.Instance {
	t.Helper()
	for _, ep := range s.Endpoints {
		if len(ep.Addresses) > 0 && ep.Addresses[0].Addr == addr {
			inst, ok := registry.FromEndpoint(ep)
			if !ok {
				t.Fatalf("the endpoint for %s carries no registry.Instance attribute", addr)
			}
			return inst
		}
	}
	t.Fatalf("no endpoint for %s in %v", addr, addrs(s))
	return registry.Instance{}
}

// TestResolveParity: step 3, for the same sequence of registrations the
// lab's resolver yields the same address sets as etcd's own resolver
// (which reads only Addr: it drops the metadata, measured here).
func TestResolveParity(t *testing.T, l Lab) {
	t.Parallel()
	s := etcdtest.Shared(t)
	obs := s.Client(t)
	svc := service(t)
	ours, _ := build(t, step3, l.NewResolverBuilder(s.Client(t)), svc)
	eb, err := etcdresolver.NewBuilder(s.Client(t))
	if err != nil {
		t.Fatal(err)
	}
	theirs := &recorder{}
	res, err := eb.Build(target(t, "etcd:///"+registry.Root+svc), theirs, resolver.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	em, err := endpoints.NewManager(obs, registry.Root+svc)
	if err != nil {
		t.Fatal(err)
	}
	lease, err := obs.Grant(t.Context(), 60)
	if err != nil {
		t.Fatal(err)
	}
	addEM := func(id, addr string) {
		if err := em.AddEndpoint(t.Context(), registry.Key(svc, id), endpoints.Endpoint{Addr: addr, Metadata: map[string]any{"weight": 2}}, clientv3.WithLease(lease.ID)); err != nil {
			t.Fatal(err)
		}
	}
	both := func(want ...string) {
		t.Helper()
		ours.waitAddrs(t, step3, want...)
		etcdtest.Eventually(t, etcdtest.Wait, func() error {
			states, _ := theirs.snapshot()
			if len(states) == 0 || !slices.Equal(addrs(states[len(states)-1]), sorted(want)) {
				return fmt.Errorf("etcd's resolver has not caught up with %v yet", want)
			}
			return nil
		})
	}

	addEM("a", "127.0.0.1:7001")                          // etcd's manager, with its lease
	put(t, obs, instance(svc, "b", "127.0.0.1:7002"), 60) // the registry layout
	both("127.0.0.1:7001", "127.0.0.1:7002")
	put(t, obs, instance(svc, "c", "127.0.0.1:7003"), 0)
	if err := em.DeleteEndpoint(t.Context(), registry.Key(svc, "a")); err != nil {
		t.Fatal(err)
	}
	both("127.0.0.1:7002", "127.0.0.1:7003")
	put(t, obs, instance(svc, "b", "127.0.0.1:7012"), 0) // b moved
	addEM("d", "127.0.0.1:7004")
	both("127.0.0.1:7003", "127.0.0.1:7004", "127.0.0.1:7012")
	if _, err := obs.Revoke(t.Context(), lease.ID); err != nil { // d goes with the lease
		t.Fatal(err)
	}
	both("127.0.0.1:7003", "127.0.0.1:7012")
	del(t, obs, svc, "b")
	del(t, obs, svc, "c")
	both()

	// The measured difference: etcd's resolver copies only Addr.
	put(t, obs, registry.Instance{Service: svc, ID: "w", Addr: "127.0.0.1:7005", Weight: 4}, 0)
	st := ours.waitAddrs(t, step3, "127.0.0.1:7005")
	both("127.0.0.1:7005")
	states, _ := theirs.snapshot()
	if _, ok := registry.FromEndpoint(states[len(states)-1].Endpoints[0]); ok {
		t.Error("etcd's own resolver carried the metadata; this suite's claim that it drops it is out of date")
	}
	if got := endpointInstance(t, st, "127.0.0.1:7005"); got.Weight != 4 {
		t.Errorf("our endpoint's weight = %d, want 4", got.Weight)
	}
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// TestNotServing: step 3, a backend that is registered but says
// NOT_SERVING gets no calls from a client that health-checks, and gets
// them again once it serves.
func TestNotServing(t *testing.T, l Lab) {
	t.Parallel()
	s := etcdtest.Shared(t)
	obs := s.Client(t)
	svc := service(t)
	bs := map[string]*backend{}
	for _, id := range []string{"b1", "b2", "b3"} {
		bs[id] = startBackend(t, id)
		put(t, obs, instance(svc, id, bs[id].addr), 0)
	}
	client := dial(t, l.NewResolverBuilder(s.Client(t)), svc)
	waitSpread(t, step3, client, 30, "b1", "b2", "b3")

	bs["b2"].hs.SetServingStatus(greeter.ServiceName, healthpb.HealthCheckResponse_NOT_SERVING)
	waitSpread(t, step3, client, 30, "b1", "b3")
	if got, errs := spread(t, client, 60); got["b2"] != 0 || len(errs) != 0 {
		t.Errorf("60 calls after b2 said NOT_SERVING: %v, errors %v; want none to b2 and no errors", got, errs)
	}
	bs["b2"].hs.SetServingStatus(greeter.ServiceName, healthpb.HealthCheckResponse_SERVING)
	waitSpread(t, step3, client, 30, "b1", "b2", "b3")
}

// TestCompaction: step 4, a compaction while the watcher was cut off
// makes it list again: no instance lost, no ghost left.
func TestCompaction(t *testing.T, l Lab) {
	t.Parallel()
	probeRetry(t, l, step4)
	s := etcdtest.Start(t)
	obs := etcdtest.NewClient(t, s.Direct())
	svc := service(t)
	put(t, obs, instance(svc, "a", "127.0.0.1:5001"), 0)
	put(t, obs, instance(svc, "b", "127.0.0.1:5002"), 0)
	rec, _ := build(t, step4, l.NewResolverBuilder(s.Client(t)), svc)
	rec.waitAddrs(t, step4, "127.0.0.1:5001", "127.0.0.1:5002")

	s.Partition()
	put(t, obs, instance(svc, "c", "127.0.0.1:5003"), 0)
	del(t, obs, svc, "b")
	resp, err := obs.Get(t.Context(), "x")
	if err != nil {
		t.Fatal(err)
	}
	// The revisions of both changes are gone: a watch resuming from
	// before them cannot be served any more.
	if _, err := obs.Compact(t.Context(), resp.Header.Revision, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}
	seen := len(statesOf(rec))
	s.Heal()
	rec.waitAddrs(t, step4, "127.0.0.1:5001", "127.0.0.1:5003")
	for _, st := range statesOf(rec)[seen:] {
		if slices.Contains(addrs(st), "127.0.0.1:5002") {
			t.Errorf("after the compaction the resolver pushed %v: b was deleted while it was away (a ghost)", addrs(st))
		}
		if len(st.Endpoints) == 0 && len(st.Addresses) == 0 {
			t.Error("the resolver pushed an empty set while recovering; keep the last good one until the new list is in")
		}
	}
}

func statesOf(r *recorder) []resolver.State { s, _ := r.snapshot(); return s }

// TestEtcdRestart: step 4, etcd restarts: no registration is lost (the
// lab's registrar keeps its lease) and the resolver's watch resumes.
func TestEtcdRestart(t *testing.T, l Lab) {
	t.Parallel()
	probeRetry(t, l, step4)
	probeRegister(t, l)
	s := etcdtest.Start(t)
	svc := service(t)
	reg, err := l.NewRegistrar(s.Client(t)).Register(t.Context(), instance(svc, "x", "127.0.0.1:5001"), 2*time.Second)
	step1.Require(t, err)
	defer reg.Deregister(context.Background())
	rec, _ := build(t, step4, l.NewResolverBuilder(s.Client(t)), svc)
	rec.waitAddrs(t, step4, "127.0.0.1:5001")

	s.Stop()
	s.Restart(t)
	obs := etcdtest.NewClient(t, s.Direct())
	put(t, obs, instance(svc, "y", "127.0.0.1:5002"), 0)
	rec.waitAddrs(t, step4, "127.0.0.1:5001", "127.0.0.1:5002")
	// Still renewed after the restart: the registration outlives its
	// lease (registered again under a new lease would do too). The new
	// leader extends every lease by an election timeout when it takes
	// over, so without renewals x would be gone 1s + 2s after the restart,
	// plus up to 500ms until etcd's expiry check runs.
	restarted := time.Now()
	etcdtest.Eventually(t, etcdtest.Wait, func() error {
		if leaseOf(t, obs, svc, "x") == 0 {
			t.Fatalf("x vanished %v after etcd restarted: keep renewing (or register again) once etcd is back", time.Since(restarted).Round(100*time.Millisecond))
		}
		if time.Since(restarted) < 3600*time.Millisecond {
			return errors.New("waiting to see x outlive its lease after the restart")
		}
		return nil
	})
	for _, st := range statesOf(rec) {
		if len(addrs(st)) == 0 {
			t.Fatal("the resolver pushed an empty set around the restart; keep the last good one")
		}
	}
}

// TestEtcdDown: step 4, with etcd down a client keeps calling the last
// good set, and a new client reports the outage instead of hanging.
func TestEtcdDown(t *testing.T, l Lab) {
	t.Parallel()
	probeRetry(t, l, step4)
	s := etcdtest.Start(t)
	obs := etcdtest.NewClient(t, s.Direct())
	svc := service(t)
	for _, id := range []string{"b1", "b2", "b3"} {
		put(t, obs, instance(svc, id, startBackend(t, id).addr), 0)
	}
	builder := l.NewResolverBuilder(s.Client(t))
	client := dial(t, builder, svc)
	waitSpread(t, step4, client, 30, "b1", "b2", "b3")
	rec, _ := build(t, step4, builder, svc)
	rec.waitAddrs(t, step4, backendAddrs(t, obs, svc)...)

	s.Stop()
	if got, errs := spread(t, client, 60); len(errs) > 0 || len(got) != 3 {
		t.Errorf("with etcd down, 60 calls reached %v with errors %v; want all three backends and no errors", got, errs)
	}
	if err := rec.todo(); err != nil {
		step4.Check(t, err)
	}
	for _, st := range statesOf(rec) {
		if len(addrs(st)) == 0 {
			t.Error("the resolver pushed an empty set while etcd was down: stale beats empty")
		}
	}

	// A resolver and a client that start during the outage have no set at
	// all. The resolver reports the error and pushes nothing (an empty set
	// would say "no backends", which nobody knows); the client's calls
	// fail with that error, not after their deadline.
	blind, _ := build(t, step4, l.NewResolverBuilder(s.Client(t)), svc)
	fresh := dial(t, l.NewResolverBuilder(s.Client(t)), svc)
	ctx, cancel := context.WithTimeout(t.Context(), etcdtest.Wait)
	defer cancel()
	_, err := fresh.SayHello(ctx, &greeterv1.SayHelloRequest{})
	step4.Check(t, err)
	if status.Code(err) != codes.Unavailable {
		t.Errorf("a call through a resolver that cannot reach etcd ended with %v; want Unavailable from the reported error (cc.ReportError), before the call's deadline", err)
	}
	etcdtest.Eventually(t, etcdtest.Wait, func() error {
		if _, errs := blind.snapshot(); len(errs) == 0 {
			return errors.New("a resolver that cannot reach etcd has reported no error yet")
		}
		return nil
	})
	if err := blind.todo(); err != nil {
		step4.Check(t, err)
	}
	if states := statesOf(blind); len(states) > 0 {
		t.Errorf("a resolver that never reached etcd pushed %d states (%v); report the error and push nothing", len(states), addrs(states[0]))
	}
}

func backendAddrs(t *testing.T, cli *clientv3.Client, svc string) []string {
	t.Helper()
	resp, err := cli.Get(t.Context(), registry.Prefix(svc), clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, kv := range resp.Kvs {
		inst, err := registry.DecodeEtcd(kv.Key, kv.Value)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, inst.Addr)
	}
	return out
}

// TestLeaderLoss: step 4, on a three-member cluster the leader dies;
// after the election, registrations and discovery carry on.
func TestLeaderLoss(t *testing.T, l Lab) {
	t.Parallel()
	probeRetry(t, l, step4)
	probeRegister(t, l)
	c := etcdtest.StartCluster(t, 3)
	svc := service(t)
	r := l.NewRegistrar(c.Client(t))
	register := func(id, addr string) interface{ Deregister(context.Context) error } {
		reg, err := r.Register(t.Context(), instance(svc, id, addr), 5*time.Second)
		step1.Require(t, err)
		t.Cleanup(func() { reg.Deregister(context.Background()) })
		return reg
	}
	a := register("a", "127.0.0.1:5001")
	register("b", "127.0.0.1:5002")
	rec, _ := build(t, step4, l.NewResolverBuilder(c.Client(t)), svc)
	rec.waitAddrs(t, step4, "127.0.0.1:5001", "127.0.0.1:5002")

	lead := c.Leader(t)
	c.Members[lead].Stop()
	start := time.Now()
	next := c.Leader(t)
	t.Logf("member m%d took over from m%d after %v", next, lead, time.Since(start).Round(10*time.Millisecond))

	register("c", "127.0.0.1:5003")
	rec.waitAddrs(t, step4, "127.0.0.1:5001", "127.0.0.1:5002", "127.0.0.1:5003")
	if err := a.Deregister(t.Context()); err != nil {
		t.Errorf("Deregister after the election: %v", err)
	}
	rec.waitAddrs(t, step4, "127.0.0.1:5002", "127.0.0.1:5003")
}
