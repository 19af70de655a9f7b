// Package discoverytest is the discovery lab's suite. The exercise and the
// solution both run it through their one-screen *_test.go files.
//
// Everything runs against real etcd (etcdtest: embedded members, a
// three-member cluster, a proxy that cuts connections) and real gRPC
// servers on loopback. Embedded etcd cannot run in a synctest bubble, so
// these tests wait on conditions with generous deadlines, never on
// durations; only Leave, which needs no etcd, runs on a fake clock.
// Most tests share one etcd member per test binary and each uses its own
// service name; tests that stop, cut off or compact etcd start their own.
package discoverytest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/serviceconfig"

	"github.com/grpclabs/labs/ch04-governance/etcdtest"
	greeterv1 "github.com/grpclabs/labs/ch04-governance/gen/greeter/v1"
	"github.com/grpclabs/labs/ch04-governance/greeter"
	"github.com/grpclabs/labs/ch04-governance/registry"
	"github.com/grpclabs/labs/scripts/labkit"
)

const labID = "ch04-governance/discovery"

var (
	step1 = labkit.Step{Lab: labID, N: 1, What: "Registrar.Register"}
	step2 = labkit.Step{Lab: labID, N: 2, What: "registration.keep"}
	step3 = labkit.Step{Lab: labID, N: 3, What: "the etcd resolver"}
	step4 = labkit.Step{Lab: labID, N: 4, What: "etcdResolver.retry"}
	step5 = labkit.Step{Lab: labID, N: 5, What: "Leave"}
)

// Lab is what the suite needs from an implementation.
type Lab struct {
	NewRegistrar       func(cli *clientv3.Client) registry.Registrar
	NewResolverBuilder func(cli *clientv3.Client) resolver.Builder
	Leave              func(ctx context.Context, hs *health.Server, reg registry.Registration, drain time.Duration) error
}

// service is a service name of the test's own, so tests sharing an etcd
// never see each other's instances, nor those of their own earlier runs.
func service(t *testing.T) string { return etcdtest.Unique(t) }

func instance(svc, id, addr string) registry.Instance {
	return registry.Instance{Service: svc, ID: id, Addr: addr, Version: "1.0.0"}
}

// put registers inst the way a registrar does, under a lease of ttl
// seconds (0: none). It is the suite's own reference write, so the
// resolver's steps do not depend on the learner's registrar.
func put(t *testing.T, cli *clientv3.Client, inst registry.Instance, ttl int64) {
	t.Helper()
	v, err := registry.EncodeEtcd(inst)
	if err != nil {
		t.Fatal(err)
	}
	var opts []clientv3.OpOption
	if ttl > 0 {
		lease, err := cli.Grant(t.Context(), ttl)
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, clientv3.WithLease(lease.ID))
	}
	if _, err := cli.Put(t.Context(), registry.Key(inst.Service, inst.ID), v, opts...); err != nil {
		t.Fatal(err)
	}
}

func del(t *testing.T, cli *clientv3.Client, svc, id string) {
	t.Helper()
	if _, err := cli.Delete(t.Context(), registry.Key(svc, id)); err != nil {
		t.Fatal(err)
	}
}

// recorder is a resolver.ClientConn that keeps everything a resolver
// reports, so tests can assert on the exact sets it pushed.
type recorder struct {
	mu     sync.Mutex
	states []resolver.State
	errs   []error
}

func (r *recorder) UpdateState(s resolver.State) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states = append(r.states, s)
	return nil
}

func (r *recorder) ReportError(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *recorder) NewAddress([]resolver.Address) {}

func (r *recorder) ParseServiceConfig(string) *serviceconfig.ParseResult {
	return &serviceconfig.ParseResult{Err: errors.New("the suite's recorder takes no service config")}
}

// snapshot returns copies of what was reported so far.
func (r *recorder) snapshot() ([]resolver.State, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.states), slices.Clone(r.errs)
}

// todo is the first TODO signal the resolver reported, if any.
func (r *recorder) todo() error {
	_, errs := r.snapshot()
	for _, err := range errs {
		if labkit.IsTODO(err) {
			return err
		}
	}
	return nil
}

func addrs(s resolver.State) []string {
	var out []string
	for _, ep := range s.Endpoints {
		for _, a := range ep.Addresses {
			out = append(out, a.Addr)
		}
	}
	for _, a := range s.Addresses { // a resolver may fill the old field only
		if !slices.Contains(out, a.Addr) {
			out = append(out, a.Addr)
		}
	}
	slices.Sort(out)
	return out
}

// waitAddrs waits until the resolver's latest state holds exactly want.
// A TODO the resolver reported stops the test with step's message.
func (r *recorder) waitAddrs(t *testing.T, step labkit.Step, want ...string) resolver.State {
	t.Helper()
	slices.Sort(want)
	var last resolver.State
	etcdtest.Eventually(t, etcdtest.Wait, func() error {
		if err := r.todo(); err != nil {
			step.Check(t, err)
		}
		states, errs := r.snapshot()
		if len(states) == 0 {
			return fmt.Errorf("the resolver pushed no state yet (errors reported: %v)", errs)
		}
		last = states[len(states)-1]
		if got := addrs(last); !slices.Equal(got, want) {
			return fmt.Errorf("the resolver's latest state holds %v, want %v", got, want)
		}
		return nil
	})
	return last
}

// build builds the lab's resolver for svc with a recorder; it is closed
// when the test ends.
func build(t *testing.T, step labkit.Step, b resolver.Builder, svc string) (*recorder, resolver.Resolver) {
	t.Helper()
	rec := &recorder{}
	res, err := b.Build(target(t, b.Scheme()+":///"+svc), rec, resolver.BuildOptions{})
	step.Require(t, err)
	t.Cleanup(res.Close)
	return rec, res
}

func target(t *testing.T, s string) resolver.Target {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return resolver.Target{URL: *u}
}

// probeRetry stops the test with step's TODO message while the
// resolver's recovery is not written: a resolver on a closed client fails
// its first listing at once, and what it reports shows whether retry is
// there.
func probeRetry(t *testing.T, l Lab, step labkit.Step) {
	t.Helper()
	cli, err := clientv3.New(etcdtest.ClientConfig(etcdtest.Shared(t).Endpoint()))
	if err != nil {
		t.Fatal(err)
	}
	cli.Close()
	rec := &recorder{}
	b := l.NewResolverBuilder(cli)
	res, err := b.Build(target(t, b.Scheme()+":///probe"), rec, resolver.BuildOptions{})
	if err != nil {
		step.Check(t, err)
		return // a real Build error: the test itself will say what is wrong
	}
	defer res.Close()
	etcdtest.Eventually(t, etcdtest.Wait, func() error {
		if _, errs := rec.snapshot(); len(errs) == 0 {
			return errors.New("a resolver whose etcd client is closed reported no error: report list failures with cc.ReportError")
		}
		return nil
	})
	if err := rec.todo(); err != nil {
		if !strings.Contains(err.Error(), "retry") {
			step = step3 // list or watch: name the step they belong to
		}
		step.Check(t, err)
	}
}

// probeRegister stops the test with step 1's TODO message while Register
// is not written, before the test starts an etcd of its own.
func probeRegister(t *testing.T, l Lab) {
	t.Helper()
	s := etcdtest.Shared(t)
	reg, err := l.NewRegistrar(s.Client(t)).Register(t.Context(), instance(service(t), "probe", "127.0.0.1:1"), 10*time.Second)
	step1.Require(t, err)
	step1.Require(t, reg.Deregister(t.Context()))
}

// backend is a real greeter server on loopback with the health service.
type backend struct {
	id, addr string
	hs       *health.Server
}

// startBackend starts one; it stops when the test ends, after the
// clients the test made later have closed.
func startBackend(t *testing.T, id string) *backend {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	greeterv1.RegisterGreeterServer(srv, greeter.New(id, ""))
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	hs.SetServingStatus(greeter.ServiceName, healthpb.HealthCheckResponse_SERVING)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(lis) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	return &backend{id: id, addr: lis.Addr().String(), hs: hs}
}

// serviceConfig is round robin with client-side health checking: a
// backend that says NOT_SERVING for the greeter service gets no calls.
const serviceConfig = `{"loadBalancingConfig":[{"round_robin":{}}],"healthCheckConfig":{"serviceName":"` + greeter.ServiceName + `"}}`

// dial connects to svc through the lab's resolver.
func dial(t *testing.T, b resolver.Builder, svc string) greeterv1.GreeterClient {
	t.Helper()
	conn, err := grpc.NewClient(b.Scheme()+":///"+svc,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithResolvers(b),
		grpc.WithDefaultServiceConfig(serviceConfig))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return greeterv1.NewGreeterClient(conn)
}

// spread makes n calls one after the other and counts the backends that
// answered; failures are returned.
func spread(t *testing.T, c greeterv1.GreeterClient, n int) (map[string]int, []error) {
	t.Helper()
	got := map[string]int{}
	var errs []error
	for range n {
		ctx, cancel := context.WithTimeout(t.Context(), etcdtest.Wait)
		resp, err := c.SayHello(ctx, &greeterv1.SayHelloRequest{Name: "suite"})
		cancel()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got[resp.GetBackendId()]++
	}
	return got, errs
}

// waitSpread waits until n calls in a row reach exactly the backends ids.
func waitSpread(t *testing.T, step labkit.Step, c greeterv1.GreeterClient, n int, ids ...string) {
	t.Helper()
	etcdtest.Eventually(t, etcdtest.Wait, func() error {
		got, errs := spread(t, c, n)
		for _, err := range errs {
			step.Check(t, err)
		}
		var seen []string
		for id := range got {
			seen = append(seen, id)
		}
		slices.Sort(seen)
		slices.Sort(ids)
		if !slices.Equal(seen, ids) || len(errs) > 0 {
			return fmt.Errorf("%d calls reached %v with %d errors (%v), want exactly %v and no errors", n, got, len(errs), errs, ids)
		}
		return nil
	})
}

// lease returns the lease an instance's key is held under (0: no key).
func leaseOf(t *testing.T, cli *clientv3.Client, svc, id string) clientv3.LeaseID {
	t.Helper()
	resp, err := cli.Get(t.Context(), registry.Key(svc, id))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) == 0 {
		return 0
	}
	return clientv3.LeaseID(resp.Kvs[0].Lease)
}

func short(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	t.Cleanup(cancel)
	return ctx
}
