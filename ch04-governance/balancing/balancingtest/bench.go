package balancingtest

import (
	"context"
	"net"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	_ "google.golang.org/grpc/balancer/leastrequest"       // registers least_request_experimental
	_ "google.golang.org/grpc/balancer/weightedroundrobin" // registers weighted_round_robin
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/orca"
	"google.golang.org/grpc/resolver"

	"github.com/grpclabs/labs/ch04-governance/balancing/hashkey"
	greeterv1 "github.com/grpclabs/labs/ch04-governance/gen/greeter/v1"
	"github.com/grpclabs/labs/ch04-governance/greeter"
	"github.com/grpclabs/labs/ch04-governance/registry"
)

// The benchmark's backends: each has benchWorkers workers (calls beyond
// that queue, as on a real server), and work takes fast or slow per call.
const (
	benchWorkers = 4
	benchCallers = 16
	fastWork     = time.Millisecond
	slowWork     = 10 * time.Millisecond
)

// benchBackend does its work on a bounded pool and reports its load with
// every answer (ORCA per-call metrics): utilization is the busy share of
// its workers over the last second, qps its answers per second. grpc-go's
// weighted_round_robin turns those into weights (qps / utilization).
type benchBackend struct {
	greeterv1.UnimplementedGreeterServer
	id      string
	work    time.Duration
	workers chan struct{}
	load    greeter.LoadMeter
}

func (s *benchBackend) SayHello(ctx context.Context, _ *greeterv1.SayHelloRequest) (*greeterv1.SayHelloResponse, error) {
	select {
	case s.workers <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	start := time.Now()
	time.Sleep(s.work) // the backend's own work: a stand-in for a query
	busy := time.Since(start)
	<-s.workers
	util, qps := s.load.Record(busy)
	rec := orca.CallMetricsRecorderFromContext(ctx)
	rec.SetApplicationUtilization(util)
	rec.SetQPS(qps)
	return &greeterv1.SayHelloResponse{BackendId: s.id}, nil
}

type benchPolicy struct {
	key, config string // key names the sub-benchmark: BenchmarkPolicies/policy=<key>
}

type benchResult struct {
	p50, p99  time.Duration
	slowShare float64
}

// BenchmarkPolicies puts each policy in front of three backends, one of
// them ten times slower (fast: 1ms of work per call, slow: 10ms; four
// workers each, calls beyond that queue), with 16 callers on one channel,
// and reports p50 and p99 latency and the slow backend's share of the
// calls; sec/op is wall time over calls, the inverse of throughput. The
// lab's weighted policy uses static weights 10:10:1 from the registry
// attributes; grpc-go's weighted_round_robin learns its weights from the
// backends' ORCA load reports. The README's table comes from:
//
//	go run ./scripts/benchtab -bench Policies -benchtime 2000x -count 10 -layout long \
//	    -col '/policy@(round_robin weighted least_conn p2c consistent_hash grpc_least_request grpc_weighted_round_robin)' \
//	    -units sec/op,p50-ms,p99-ms,slow-% ./ch04-governance/balancing/solution
func BenchmarkPolicies(b *testing.B, l Lab) {
	addrs := map[string]string{}
	for _, id := range []string{"fast1", "fast2", "slow"} {
		work := fastWork
		if id == "slow" {
			work = slowWork
		}
		addrs[id] = startBenchBackend(b, &benchBackend{id: id, work: work, workers: make(chan struct{}, benchWorkers), load: greeter.LoadMeter{Workers: benchWorkers}})
	}
	state := registry.State([]registry.Instance{
		{Service: "greeter", ID: "fast1", Addr: addrs["fast1"], Weight: 10},
		{Service: "greeter", ID: "fast2", Addr: addrs["fast2"], Weight: 10},
		{Service: "greeter", ID: "slow", Addr: addrs["slow"], Weight: 1},
	})
	for _, p := range []benchPolicy{
		{"round_robin", `{"` + l.RoundRobin + `":{}}`},
		{"weighted", `{"` + l.Weighted + `":{}}`},
		{"least_conn", `{"` + l.LeastConn + `":{}}`},
		{"p2c", `{"` + l.P2C + `":{}}`},
		{"consistent_hash", `{"` + l.ConsistentHash + `":{}}`}, // every call a different key
		{"grpc_least_request", `{"least_request_experimental":{"choiceCount":2}}`},
		{"grpc_weighted_round_robin", `{"weighted_round_robin":{"blackoutPeriod":"0s","weightUpdatePeriod":"0.1s"}}`},
	} {
		b.Run("policy="+p.key, func(b *testing.B) { benchOne(b, p, state) })
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func startBenchBackend(b *testing.B, s *benchBackend) string {
	b.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := grpc.NewServer(orca.CallMetricsServerOption(nil))
	greeterv1.RegisterGreeterServer(srv, s)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(lis) }()
	b.Cleanup(func() { srv.Stop(); <-done })
	return lis.Addr().String()
}

func benchOne(b *testing.B, p benchPolicy, state resolver.State) {
	r := newResolver(state)
	conn, err := grpc.NewClient(r.Scheme()+":///greeter",
		grpc.WithResolvers(r),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(`{"loadBalancingConfig":[`+p.config+`]}`))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	c := greeterv1.NewGreeterClient(conn)
	callOnce := func(ctx context.Context, i int) (string, time.Duration, error) {
		ctx = hashkey.With(ctx, "user-"+strconv.Itoa(i))
		start := time.Now()
		resp, err := c.SayHello(ctx, &greeterv1.SayHelloRequest{}, grpc.WaitForReady(true))
		return resp.GetBackendId(), time.Since(start), err
	}
	// Warm up: connections up, and weighted_round_robin's first weights in.
	var wg sync.WaitGroup
	for g := range benchCallers {
		wg.Go(func() {
			for i := range 50 {
				if _, _, err := callOnce(b.Context(), g*1000+i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()

	var (
		mu    sync.Mutex
		lat   []time.Duration
		calls = map[string]int{}
		next  int
	)
	b.SetParallelism((benchCallers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		local := map[string]int{}
		for pb.Next() {
			mu.Lock()
			next++
			i := next
			mu.Unlock()
			id, d, err := callOnce(context.Background(), i)
			if err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, d)
			local[id]++
		}
		mu.Lock()
		lat = append(lat, mine...)
		for id, n := range local {
			calls[id] += n
		}
		mu.Unlock()
	})
	b.StopTimer()
	slices.Sort(lat)
	var res benchResult
	if len(lat) > 0 {
		res.p50, res.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
		res.slowShare = float64(calls["slow"]) / float64(len(lat))
	}
	b.ReportMetric(ms(res.p50), "p50-ms")
	b.ReportMetric(ms(res.p99), "p99-ms")
	b.ReportMetric(100*res.slowShare, "slow-%")
}
