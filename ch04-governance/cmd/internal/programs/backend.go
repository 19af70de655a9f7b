package programs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
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
	ttl := time.Duration(*ttlSecs) * time.Second
	cfg, err := etcdConfig(*etcd, *etcdTimeout)
	if err != nil {
		return err
	}

	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen: %w", err)
	}
	defer lis.Close() // demo.Serve closes it too; this covers the early returns
	inst := registry.Instance{Service: *service, ID: *id, Addr: lis.Addr().String(), Version: *version, Zone: *zone, Weight: *weight}
	if inst.ID == "" {
		inst.ID = strings.NewReplacer(":", "-", "[", "", "]", "").Replace(inst.Addr)
	}
	if err := inst.Validate(); err != nil {
		return demo.Usagef("%v", err)
	}

	cli, err := clientv3.New(cfg)
	if err != nil {
		return fmt.Errorf("etcd client: %w", err)
	}
	defer cli.Close()
	if err := checkEtcd(ctx, cli, *etcdTimeout); err != nil {
		return err
	}

	srv := greeter.New(inst.ID, inst.Zone)
	srv.SetLatency(*latency)
	srv.SetFailRate(*failRate)
	hsc := make(chan *health.Server, 1)
	serveCtx, stopServing := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServing()
	served := make(chan error, 1)
	go func() {
		served <- demo.Serve(serveCtx, demo.Server{
			Listener: lis,
			Register: func(g *grpc.Server) { greeterv1.RegisterGreeterServer(g, srv) },
			// ORCA load reports ride on every answer, for weighted_round_robin.
			Options:  []grpc.ServerOption{orca.CallMetricsServerOption(nil)},
			Services: []string{HealthService},
			Grace:    *grace,
			Health:   func(hs *health.Server) { hsc <- hs },
		})
	}()
	hs := <-hsc

	rctx, cancel := context.WithTimeout(ctx, *etcdTimeout)
	reg, err := im.NewRegistrar(cli).Register(rctx, inst, ttl)
	cancel()
	if err != nil {
		stopServing()
		<-served
		return fmt.Errorf("register %s in etcd at %s: %w", registry.Key(inst.Service, inst.ID), *etcd, err)
	}
	fmt.Fprintf(stdio.Out, "backend %s (impl=%s) registered as %s: weight %d, zone %q, ttl %v\n",
		inst.ID, im.Name, registry.Key(inst.Service, inst.ID), inst.Weight, inst.Zone, ttl)
	fmt.Fprintf(stdio.Out, "listening on %s\n", inst.Addr)

	var runErr error
	select {
	case <-ctx.Done():
	case <-reg.Done(): // stopped by itself: etcd is gone for good
		runErr = fmt.Errorf("the registration stopped: %w", reg.Err())
	case err := <-served:
		served <- err
		runErr = fmt.Errorf("serving stopped: %w", err)
	}
	fmt.Fprintf(stdio.Out, "backend %s leaving: NOT_SERVING, deregister, drain %v, then stop with a %v grace\n", inst.ID, *drain, *grace)
	// A second signal kills the process (demo.Main); until then, leave in order.
	lctx, cancel := context.WithTimeout(context.Background(), *drain+*etcdTimeout)
	defer cancel()
	if err := im.Leave(lctx, hs, reg, *drain); err != nil {
		runErr = errors.Join(runErr, err)
	}
	stopServing()
	if err := <-served; err != nil {
		runErr = errors.Join(runErr, err)
	}
	fmt.Fprintf(stdio.Out, "backend %s stopped\n", inst.ID)
	return runErr
}
