package balancingtest

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
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
	name, config string
}

type benchResult struct {
	name          string
	p50, p99      time.Duration
	slowShare     float64
	callsPerSec   float64
	callsMeasured int
}

// BenchmarkPolicies puts each policy in front of three backends, one of
// them ten times slower (fast: 1ms of work per call, slow: 10ms; four
// workers each), with 16 callers on one channel, and reports p50 and p99
// latency, the slow backend's share of the calls, and calls per second.
// The lab's weighted policy uses static weights 10:10:1 from the
// registry attributes; grpc-go's weighted_round_robin learns its weights
// from the backends' ORCA load reports. With -v it logs a table at the end.
//
//	go test -run '^$' -bench Policies -benchtime 2000x -v ./ch04-governance/balancing/solution
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
	policies := []benchPolicy{
		{"round robin (lab)", `{"` + l.RoundRobin + `":{}}`},
		{"weighted 10:10:1 (lab)", `{"` + l.Weighted + `":{}}`},
		{"least connections (lab)", `{"` + l.LeastConn + `":{}}`},
		{"power of two choices (lab)", `{"` + l.P2C + `":{}}`},
		{"consistent hash, random keys (lab)", `{"` + l.ConsistentHash + `":{}}`},
		{"least_request_experimental (grpc)", `{"least_request_experimental":{"choiceCount":2}}`},
		{"weighted_round_robin + ORCA (grpc)", `{"weighted_round_robin":{"blackoutPeriod":"0s","weightUpdatePeriod":"0.1s"}}`},
	}
	results := make([]benchResult, len(policies))
	for i, p := range policies {
		b.Run(strings.NewReplacer(" ", "_", ",", "", ":", "-", "(", "", ")", "", "+", "").Replace(p.name), func(b *testing.B) {
			results[i] = benchOne(b, p, state) // the last run, the one with the real b.N, stays
		})
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n%d callers, backends with %d workers doing %v (x2) and %v of work per call, %d CPUs:\n\n", benchCallers, benchWorkers, fastWork, slowWork, runtime.NumCPU())
	sb.WriteString("| policy | p50 | p99 | calls to the slow backend | calls/s |\n|---|---|---|---|---|\n")
	for _, r := range results {
		fmt.Fprintf(&sb, "| %s | %.1f ms | %.1f ms | %.1f %% | %.0f |\n", r.name, ms(r.p50), ms(r.p99), 100*r.slowShare, r.callsPerSec)
	}
	b.Log(sb.String())
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

func benchOne(b *testing.B, p benchPolicy, state resolver.State) benchResult {
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
	start := time.Now()
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
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	res := benchResult{name: p.name, callsMeasured: len(lat)}
	if len(lat) > 0 {
		res.p50, res.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
		res.slowShare = float64(calls["slow"]) / float64(len(lat))
		res.callsPerSec = float64(len(lat)) / elapsed.Seconds()
	}
	b.ReportMetric(ms(res.p50), "p50-ms")
	b.ReportMetric(ms(res.p99), "p99-ms")
	b.ReportMetric(100*res.slowShare, "slow-%")
	return res
}
