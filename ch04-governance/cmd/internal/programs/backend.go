package programs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	"google.golang.org/grpc/orca"

	greeterv1 "github.com/grpclabs/labs/ch04-governance/gen/greeter/v1"
	"github.com/grpclabs/labs/ch04-governance/greeter"
	"github.com/grpclabs/labs/ch04-governance/registry"
	"github.com/grpclabs/labs/scripts/demo"
)

// Backend is cmd/backend: one instance of the greeter service that
// registers itself in etcd, answers with its id, and on SIGINT or SIGTERM
// leaves in order (NOT_SERVING, deregister, drain, GracefulStop). It
// prints "listening on ADDR" once it is registered.
func Backend(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("backend")
	addr := fs.String("addr", "127.0.0.1:0", "host:port to serve on (port 0 picks a free one; the address is printed)")
	etcd := fs.String("etcd", "127.0.0.1:2379", "etcd endpoints, comma-separated")
	service := fs.String("service", "greeter", "service name to register under")
	id := fs.String("id", "", "instance id (default: derived from the address, e.g. 127.0.0.1-40123)")
	weight := fs.Int("weight", 1, fmt.Sprintf("weight for weighted policies (1..%d)", registry.MaxWeight))
	zone := fs.String("zone", "", "zone label, e.g. eu-1a")
	version := fs.String("version", "1.0.0", "version label")
	ttlSecs := fs.Int("ttl", 5, "registration lease in seconds: a backend killed without deregistering disappears after this")
	latency := fs.Duration("latency", 0, "added to every call (play a slow instance)")
	failRate := fs.Float64("fail-rate", 0, "fraction of calls answered Unavailable, 0..1 (play a failing instance)")
	drain := fs.Duration("drain", time.Second, "on shutdown, how long to keep serving after deregistering, so clients hear of it first")
	grace := fs.Duration("grace", 10*time.Second, "on shutdown, how long calls still running may take before they are cut")
	etcdTimeout := fs.Duration("etcd-timeout", 5*time.Second, "how long to wait for etcd before giving up")
	implName := demo.ImplFlag(fs)
	if err := demo.Parse(fs, args, "backend [-addr host:port] [-etcd endpoints] [-service name] [-id id] [-weight n] [-zone z] [-ttl d] [-latency d] [-fail-rate f] [-impl solution|exercise]", 0, stdio.Err); err != nil {
		return err
	}
	im, err := PickImpl(*implName)
	if err != nil {
		return err
	}
	switch {
	case *weight < 1 || *weight > registry.MaxWeight:
		return demo.Usagef("-weight %d: want 1..%d", *weight, registry.MaxWeight)
	case *failRate < 0 || *failRate > 1:
		return demo.Usagef("-fail-rate %v: want a fraction between 0 and 1", *failRate)
	case *ttlSecs < 1:
		return demo.Usagef("-ttl %d: the lease needs at least 1 second", *ttlSecs)
	case *latency < 0 || *drain < 0 || *grace <= 0:
		return demo.Usagef("-latency and -drain must not be negative, -grace must be positive")
	}
	cfg, err := etcdConfig(*etcd, *etcdTimeout)
	if err != nil {
		return err
	}
	b, err := StartBackend(ctx, BackendConfig{
		Instance: registry.Instance{Service: *service, ID: *id, Version: *version, Zone: *zone, Weight: *weight},
		Listen:   *addr, Etcd: cfg, EtcdTimeout: *etcdTimeout, TTL: time.Duration(*ttlSecs) * time.Second,
		Impl: im, Grace: *grace,
	})
	if err != nil {
		return err
	}
	b.Greeter.SetLatency(*latency)
	b.Greeter.SetFailRate(*failRate)
	inst := b.Instance
	fmt.Fprintf(stdio.Out, "backend %s (impl=%s) registered as %s: weight %d, zone %q, ttl %v\n",
		inst.ID, im.Name, registry.Key(inst.Service, inst.ID), inst.Weight, inst.Zone, b.TTL)
	fmt.Fprintf(stdio.Out, "listening on %s\n", inst.Addr)

	runErr := b.Wait(ctx)
	fmt.Fprintf(stdio.Out, "backend %s leaving: NOT_SERVING, deregister, drain %v, then stop with a %v grace\n", inst.ID, *drain, *grace)
	// A second signal kills the process (demo.Main); until then, leave in order.
	lctx, cancel := context.WithTimeout(context.Background(), *drain+*etcdTimeout)
	defer cancel()
	if err := b.Leave(lctx, *drain); err != nil {
		runErr = errors.Join(runErr, err)
	}
	fmt.Fprintf(stdio.Out, "backend %s stopped\n", inst.ID)
	return runErr
}

// BackendConfig describes one greeter instance for [StartBackend].
type BackendConfig struct {
	// Instance is what it registers. An empty Addr becomes the address it
	// listens on; an empty ID is derived from that address.
	Instance registry.Instance
	// Listen is the host:port to serve on; empty means 127.0.0.1:0.
	Listen string
	// Etcd configures the backend's own etcd client, which lives and dies
	// with the backend (a killed backend's renewals stop with it).
	Etcd clientv3.Config
	// EtcdTimeout bounds the first contact with etcd and the registration;
	// zero means 5s.
	EtcdTimeout time.Duration
	TTL         time.Duration // the registration's lease
	Impl        Impl          // whose registrar and Leave run
	// Options are more server options (tracing, metrics, limits); the ORCA
	// option for weighted_round_robin comes first.
	Options []grpc.ServerOption
	// Grace bounds how long calls still running may take when it leaves;
	// zero means demo.DefaultGrace.
	Grace time.Duration
}

// RunningBackend is a greeter instance that serves and is registered.
type RunningBackend struct {
	// Greeter is the service: change its latency and failure rate while
	// it runs.
	Greeter  *greeter.Server
	Instance registry.Instance // as registered, with its address and id
	TTL      time.Duration

	impl        Impl
	cli         *clientv3.Client
	reg         registry.Registration
	hs          *health.Server
	lis         *crashListener
	stopServing context.CancelFunc
	served      chan struct{} // closed when demo.Serve has returned
	serveErr    error         // what it returned, once served is closed

	mu     sync.Mutex
	killed bool
	left   bool
}

// StartBackend listens, starts serving, registers the instance under a
// lease of cfg.TTL, and returns once it is registered. Stop it with
// [RunningBackend.Leave], or crash it with [RunningBackend.Kill].
func StartBackend(ctx context.Context, cfg BackendConfig) (b *RunningBackend, err error) {
	etcdTimeout := cmp.Or(cfg.EtcdTimeout, 5*time.Second)
	inst := cfg.Instance
	l, err := net.Listen("tcp", cmp.Or(cfg.Listen, "127.0.0.1:0"))
	if err != nil {
		return nil, fmt.Errorf("cannot listen: %w", err)
	}
	lis := &crashListener{Listener: l, conns: map[net.Conn]struct{}{}}
	defer func() {
		if err != nil {
			lis.Close() // demo.Serve closes it too; this covers the early returns
		}
	}()
	if inst.Addr == "" {
		inst.Addr = l.Addr().String()
	}
	if inst.ID == "" {
		inst.ID = strings.NewReplacer(":", "-", "[", "", "]", "").Replace(l.Addr().String())
	}
	if err := inst.Validate(); err != nil {
		return nil, demo.Usagef("%v", err)
	}

	cli, err := clientv3.New(cfg.Etcd)
	if err != nil {
		return nil, fmt.Errorf("etcd client: %w", err)
	}
	defer func() {
		if err != nil {
			cli.Close()
		}
	}()
	if err := checkEtcd(ctx, cli, etcdTimeout); err != nil {
		return nil, err
	}

	b = &RunningBackend{Greeter: greeter.New(inst.ID, inst.Zone), Instance: inst, TTL: cfg.TTL,
		impl: cfg.Impl, cli: cli, lis: lis, served: make(chan struct{})}
	hsc := make(chan *health.Server, 1)
	serveCtx, stopServing := context.WithCancel(context.WithoutCancel(ctx))
	b.stopServing = stopServing
	go func() {
		defer close(b.served)
		b.serveErr = demo.Serve(serveCtx, demo.Server{
			Listener: lis,
			Register: func(g *grpc.Server) { greeterv1.RegisterGreeterServer(g, b.Greeter) },
			// ORCA load reports ride on every answer, for weighted_round_robin.
			Options:  append([]grpc.ServerOption{orca.CallMetricsServerOption(nil)}, cfg.Options...),
			Services: []string{HealthService},
			Grace:    cfg.Grace,
			Health:   func(hs *health.Server) { hsc <- hs },
		})
	}()
	b.hs = <-hsc

	rctx, cancel := context.WithTimeout(ctx, etcdTimeout)
	b.reg, err = cfg.Impl.NewRegistrar(cli).Register(rctx, inst, cfg.TTL)
	cancel()
	if err != nil {
		stopServing()
		<-b.served
		return nil, fmt.Errorf("register %s in etcd at %s: %w", registry.Key(inst.Service, inst.ID), strings.Join(cfg.Etcd.Endpoints, ","), err)
	}
	return b, nil
}

// Wait returns nil when ctx ends, or an error when the backend stops by
// itself first: its registration ended for good (etcd gone) or its server
// failed.
func (b *RunningBackend) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case <-b.reg.Done():
		return fmt.Errorf("the registration stopped: %w", b.reg.Err())
	case <-b.served:
		return fmt.Errorf("serving stopped: %w", b.serveErr)
	}
}

// Leave takes the backend out of service in the order that loses no call
// (the implementation's Leave: NOT_SERVING, deregister, drain), then stops
// its server with its grace and closes its etcd client. A killed backend
// has nothing left to do.
func (b *RunningBackend) Leave(ctx context.Context, drain time.Duration) error {
	b.mu.Lock()
	done := b.killed || b.left
	b.left = true
	b.mu.Unlock()
	if done {
		return nil
	}
	err := b.impl.Leave(ctx, b.hs, b.reg, drain)
	b.stopServing()
	<-b.served
	b.cli.Close()
	return errors.Join(err, b.serveErr)
}

// Kill crashes the backend, as kill -9 would: every connection and the
// port close at once, and the lease is neither renewed nor revoked, so its
// key stays in etcd until the TTL runs out. Clients see their calls fail
// and their connections drop; resolvers see it leave a TTL later.
func (b *RunningBackend) Kill() {
	b.mu.Lock()
	done := b.killed || b.left
	b.killed = true
	b.mu.Unlock()
	if done {
		return
	}
	b.lis.crash()
	b.cli.Close() // renewals stop; nothing revokes the lease
	b.stopServing()
	<-b.served // the server's Serve ended with the listener
}

// crashListener is a listener that can crash: the connections it accepted
// and the port itself close at once, which is what a process's death
// looks like from the network.
type crashListener struct {
	net.Listener
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	crashed bool
}

func (l *crashListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.crashed {
		c.Close()
		return nil, net.ErrClosed
	}
	tc := &trackedConn{Conn: c, l: l}
	l.conns[tc] = struct{}{}
	return tc, nil
}

func (l *crashListener) crash() {
	l.mu.Lock()
	l.crashed = true
	conns := l.conns
	l.conns = nil
	l.mu.Unlock()
	l.Listener.Close()
	for c := range conns {
		c.(*trackedConn).Conn.Close()
	}
}

// trackedConn leaves its listener's set when it closes.
type trackedConn struct {
	net.Conn
	l *crashListener
}

func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}
