package programs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	_ "google.golang.org/grpc/health" // client-side health checking (healthCheckConfig)
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch04-governance/balancing/hashkey"
	greeterv1 "github.com/grpclabs/labs/ch04-governance/gen/greeter/v1"
	"github.com/grpclabs/labs/ch04-governance/registry"
	"github.com/grpclabs/labs/scripts/demo"
)

// Summary is lbclient's -json output, one object:
// {"calls":N,"errors":N,"by_backend":{"<backend id>":N,...},"p50_ms":F,"p99_ms":F}.
// by_backend counts the successful calls; the percentiles are over them.
type Summary struct {
	Calls     int            `json:"calls"`
	Errors    int            `json:"errors"`
	ByBackend map[string]int `json:"by_backend"`
	P50ms     float64        `json:"p50_ms"`
	P99ms     float64        `json:"p99_ms"`
}

// LBClient is cmd/lbclient: it finds a service's backends in etcd with the
// discovery lab's resolver, spreads calls over them with a balancing
// policy, and prints where the calls went, the errors, and the latency.
func LBClient(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("lbclient")
	etcd := fs.String("etcd", "127.0.0.1:2379", "etcd endpoints, comma-separated")
	service := fs.String("service", "greeter", "service to call")
	policy := fs.String("policy", "round_robin", "balancing policy: "+strings.Join(PolicyNames(), ", ")+", or a grpc-go policy (least_request_experimental, weighted_round_robin, grpc:round_robin)")
	n := fs.Int("n", 100, "number of calls")
	c := fs.Int("c", 4, "calls in flight at once")
	key := fs.String("key", "", "hash key of every call, for consistent_hash (e.g. a user id); empty: none")
	asJSON := fs.Bool("json", false, `print one JSON object: {"calls","errors","by_backend","p50_ms","p99_ms"}`)
	timeout := fs.Duration("timeout", 5*time.Second, "deadline of each call, and how long to wait for the first backend")
	interval := fs.Duration("interval", 0, "pause between one caller's calls (e.g. 100ms, to watch a long run while you stop backends)")
	etcdTimeout := fs.Duration("etcd-timeout", 5*time.Second, "how long to wait for etcd before giving up")
	implName := demo.ImplFlag(fs)
	if err := demo.Parse(fs, args, "lbclient [-etcd endpoints] [-service name] [-policy name] [-n calls] [-c concurrency] [-key k] [-json] [-impl solution|exercise]", 0, stdio.Err); err != nil {
		return err
	}
	im, err := PickImpl(*implName)
	if err != nil {
		return err
	}
	if *n < 1 || *c < 1 || *timeout <= 0 || *interval < 0 {
		return demo.Usagef("-n and -c must be at least 1, -timeout positive, -interval not negative")
	}
	sc, err := im.ServiceConfig(*policy, HealthService)
	if err != nil {
		return err
	}
	cfg, err := etcdConfig(*etcd, *etcdTimeout)
	if err != nil {
		return err
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		return fmt.Errorf("etcd client: %w", err)
	}
	defer cli.Close()
	if err := checkEtcd(ctx, cli, *etcdTimeout); err != nil {
		return err
	}
	builder := im.NewResolverBuilder(cli)
	conn, err := grpc.NewClient(builder.Scheme()+":///"+*service,
		grpc.WithResolvers(builder),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(sc))
	if err != nil {
		return demo.Usagef("-service %q: %v", *service, err)
	}
	defer conn.Close()
	client := greeterv1.NewGreeterClient(conn)
	if err := WaitReady(ctx, conn, *timeout); err != nil {
		// One call that does not wait says why: the resolver's or the
		// balancer's error.
		cctx, cancel := context.WithTimeout(ctx, *timeout)
		_, cerr := client.SayHello(cctx, &greeterv1.SayHelloRequest{})
		cancel()
		if cerr != nil {
			err = fmt.Errorf("%v; a call fails with: %v", err, status.Convert(cerr).Message())
		}
		return fmt.Errorf("no instance of %q answered within %v (%v); start one with: go run ./ch04-governance/cmd/backend", *service, *timeout, err)
	}
	// Count the policy, not the connection set-up: first let every
	// registered instance answer (those that never do are left out after
	// -timeout).
	warmUp(ctx, cli, client, *service, *timeout)
	if !*asJSON {
		fmt.Fprintf(stdio.Out, "lbclient impl=%s policy=%s service=%s: %d calls, %d at a time\n", im.Name, *policy, *service, *n, *c)
	} else {
		fmt.Fprintf(stdio.Err, "lbclient impl=%s policy=%s\n", im.Name, *policy)
	}

	var (
		mu       sync.Mutex
		sum      = Summary{ByBackend: map[string]int{}}
		lat      []time.Duration
		errsSeen = map[string]int{}
		next     int
	)
	var wg sync.WaitGroup
	for range *c {
		wg.Go(func() {
			for {
				mu.Lock()
				if next >= *n || ctx.Err() != nil {
					mu.Unlock()
					return
				}
				next++
				mu.Unlock()
				cctx, cancel := context.WithTimeout(ctx, *timeout)
				if *key != "" {
					cctx = hashkey.With(cctx, *key)
				}
				start := time.Now()
				// Wait for a READY backend rather than fail while one is reconnecting.
				resp, err := client.SayHello(cctx, &greeterv1.SayHelloRequest{Name: "lbclient"}, grpc.WaitForReady(true))
				d := time.Since(start)
				cancel()
				mu.Lock()
				sum.Calls++
				if err != nil {
					sum.Errors++
					errsSeen[status.Code(err).String()+": "+status.Convert(err).Message()]++
				} else {
					sum.ByBackend[resp.GetBackendId()]++
					lat = append(lat, d)
				}
				mu.Unlock()
				if *interval > 0 {
					select {
					case <-time.After(*interval):
					case <-ctx.Done():
					}
				}
			}
		})
	}
	wg.Wait()
	slices.Sort(lat)
	if len(lat) > 0 {
		sum.P50ms = msOf(lat[len(lat)/2])
		sum.P99ms = msOf(lat[(len(lat)*99)/100])
	}

	if *asJSON {
		if err := json.NewEncoder(stdio.Out).Encode(sum); err != nil {
			return err
		}
	} else {
		printSummary(stdio, sum, errsSeen)
	}
	if sum.Calls > 0 && sum.Errors == sum.Calls {
		return errors.New("every call failed")
	}
	return nil
}

// warmUp calls (with random hash keys, so consistent hashing spreads
// them too) until every instance registered under service has answered,
// or timeout passes.
func warmUp(ctx context.Context, cli *clientv3.Client, client greeterv1.GreeterClient, service string, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := cli.Get(ctx, registry.Prefix(service), clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		return
	}
	seen := map[string]bool{}
	for i := 0; len(seen) < int(resp.Count) && ctx.Err() == nil; i++ {
		r, err := client.SayHello(hashkey.With(ctx, fmt.Sprintf("warm-up-%d", i)), &greeterv1.SayHelloRequest{Name: "warm-up"})
		if err == nil {
			seen[r.GetBackendId()] = true
		}
	}
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// WaitReady waits until the channel has a READY backend, for at most
// timeout.
func WaitReady(ctx context.Context, conn *grpc.ClientConn, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn.Connect()
	for {
		s := conn.GetState()
		if s == connectivity.Ready {
			return nil
		}
		if !conn.WaitForStateChange(ctx, s) {
			return fmt.Errorf("the channel is %v", s)
		}
	}
}

func printSummary(stdio demo.IO, sum Summary, errsSeen map[string]int) {
	ids := slices.SortedFunc(maps.Keys(sum.ByBackend), func(a, b string) int {
		return cmp.Or(cmp.Compare(sum.ByBackend[b], sum.ByBackend[a]), cmp.Compare(a, b))
	})
	width := 0
	for _, id := range ids {
		width = max(width, len(id))
	}
	for _, id := range ids {
		k := sum.ByBackend[id]
		bar := strings.Repeat("█", (k*40+sum.Calls-1)/max(sum.Calls, 1))
		fmt.Fprintf(stdio.Out, "  %-*s %6d  %5.1f%%  %s\n", width, id, k, 100*float64(k)/float64(sum.Calls), bar)
	}
	fmt.Fprintf(stdio.Out, "calls %d, errors %d, latency p50 %.2f ms, p99 %.2f ms\n", sum.Calls, sum.Errors, sum.P50ms, sum.P99ms)
	for msg, k := range errsSeen {
		fmt.Fprintf(stdio.Out, "  %d× %s\n", k, msg)
	}
}
