// Command govern runs all of chapter 4 as one system on loopback: an
// embedded etcd; greeter backends that register in it with weights, each
// behind the resilience lab's rate limit; and a client that finds them with
// the discovery lab's resolver, spreads calls with a balancing lab's
// policy, guards every backend with its own circuit breaker, retries from
// a budget, and traces and meters every call. Each component is its own
// service in the traces (service.name "client", "greeter-b1", ...), so a
// trace viewer shows one call crossing services.
//
// Chaos flags schedule faults, and a live table shows each second what
// every backend got, its p99, its breaker, and the limiters' refusals:
//
//	go run ./ch04-governance/cmd/govern -duration 30s -kill b2@10s -fail b3@15s -etcd-down 20s..24s
//	go run ./ch04-governance/cmd/govern -policy p2c -slow b1@5s..15s   # a slow backend loses its share
//	go run ./ch04-governance/cmd/govern -json > run.json             # the summary as JSON; the live lines on stderr
//
//	go run ./ch04-governance/cmd/tracetree -listen 127.0.0.1:4317 &
//	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317 OTEL_EXPORTER_OTLP_INSECURE=true \
//	    go run ./ch04-governance/cmd/govern -metrics-addr 127.0.0.1:9464 -trace-ratio 0.02
//	curl -s http://127.0.0.1:9464/metrics | grep -E 'breaker_state|limited_total'
//
// On a terminal the table is redrawn in place; into a pipe or a file it
// is one plain line per tick. -impl=exercise runs your code of every lab.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.etcd.io/etcd/api/v3/version"
	clientv3 "go.etcd.io/etcd/client/v3"
	otelcodes "go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch04-governance/balancing/hashkey"
	"github.com/grpclabs/labs/ch04-governance/cmd/internal/programs"
	"github.com/grpclabs/labs/ch04-governance/cmd/internal/telemetry"
	"github.com/grpclabs/labs/ch04-governance/etcdtest"
	greeterv1 "github.com/grpclabs/labs/ch04-governance/gen/greeter/v1"
	"github.com/grpclabs/labs/ch04-governance/registry"
	"github.com/grpclabs/labs/ch04-governance/resilience/exercise"
	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	"github.com/grpclabs/labs/ch04-governance/resilience/solution"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("govern", run) }

// service is the name the backends register under.
const service = "greeter"

// options are the command line.
type options struct {
	implName, policy, metricsAddr string
	backends                      backendsFlag
	faults                        []fault
	outages                       outagesFlag
	rate, failRate, limit, ratio  float64
	burst, attempts               int
	duration, tick, timeout, ttl  time.Duration
	latency                       time.Duration
	asJSON                        bool
}

func run(ctx context.Context, args []string, stdio demo.IO) error {
	o := options{backends: backendsFlag{{"b1", 3}, {"b2", 2}, {"b3", 1}}}
	fs := demo.Flags("govern")
	fs.Var(&o.backends, "backends", "the backends and their weights: ID=WEIGHT,...")
	fs.StringVar(&o.policy, "policy", "weighted", "balancing policy: "+strings.Join(programs.PolicyNames(), ", ")+", or a grpc-go policy (least_request_experimental, weighted_round_robin, grpc:round_robin)")
	fs.Float64Var(&o.rate, "rate", 100, "client calls per second")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "how long the client calls (0: until Ctrl-C)")
	fs.DurationVar(&o.tick, "tick", time.Second, "how often the live table is printed")
	fs.DurationVar(&o.timeout, "timeout", time.Second, "each call's deadline, its retries included")
	fs.IntVar(&o.attempts, "attempts", 2, "attempts per call, the first included (1: no retries); retries are paid from a retry budget")
	fs.DurationVar(&o.ttl, "ttl", 8*time.Second, "the backends' registration lease, whole seconds: a killed backend leaves the resolver's list about this long after")
	fs.Float64Var(&o.limit, "limit", 80, "each backend's rate limit per client, calls per second (0: none)")
	fs.IntVar(&o.burst, "burst", 20, "each backend's burst per client")
	fs.Var(faultsFlag{"kill", &o.faults}, "kill", "ID@T: crash backend ID at T, without deregistering (repeatable)")
	fs.Var(faultsFlag{"slow", &o.faults}, "slow", "ID@T or ID@FROM..TO: backend ID adds -latency to every call (repeatable)")
	fs.Var(faultsFlag{"fail", &o.faults}, "fail", "ID@T or ID@FROM..TO: backend ID fails a -fail-rate share of calls with Unavailable (repeatable)")
	fs.Var(&o.outages, "etcd-down", "FROM..TO: etcd unreachable, every connection to it cut (repeatable)")
	fs.DurationVar(&o.latency, "latency", 250*time.Millisecond, "what -slow adds to each call")
	fs.Float64Var(&o.failRate, "fail-rate", 1, "the share of calls -fail fails, 0..1")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "127.0.0.1:0", "where /metrics is served (empty: nowhere)")
	fs.Float64Var(&o.ratio, "trace-ratio", 0.01, "the share of calls traced; spans are exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set")
	fs.BoolVar(&o.asJSON, "json", false, "print the summary as one JSON object on stdout, and the live lines on stderr")
	implName := demo.ImplFlag(fs)
	if err := demo.Parse(fs, args, "govern [flags], e.g. govern -duration 30s -kill b2@10s -fail b3@15s -etcd-down 20s..24s", 0, stdio.Err); err != nil {
		return err
	}
	o.implName = *implName
	switch {
	case o.rate <= 0 || o.rate > 10_000:
		return demo.Usagef("-rate %v: want more than 0 and at most 10000 calls per second", o.rate)
	case o.duration < 0 || o.tick <= 0 || o.timeout <= 0 || o.latency < 0:
		return demo.Usagef("-duration and -latency must not be negative, -tick and -timeout must be positive")
	case o.attempts < 1 || o.burst < 1 || o.limit < 0:
		return demo.Usagef("-attempts and -burst must be at least 1, -limit not negative")
	case o.failRate < 0 || o.failRate > 1 || o.ratio < 0 || o.ratio > 1:
		return demo.Usagef("-fail-rate and -trace-ratio are shares between 0 and 1")
	case o.ttl < time.Second || o.ttl%time.Second != 0:
		return demo.Usagef("-ttl %v: etcd leases are whole seconds, at least 1s", o.ttl)
	case len(o.backends) == 0:
		return demo.Usagef("-backends names no backend")
	}
	if err := checkSchedule(o.backends, o.faults, o.outages, o.duration); err != nil {
		return demo.Usagef("%v", err)
	}

	s := &system{o: o, stdio: stdio, out: stdio.Out, backends: map[string]*programs.RunningBackend{}}
	if o.asJSON {
		s.out = stdio.Err
	}
	err := s.start(ctx)
	switch {
	case err != nil && ctx.Err() != nil:
		err = nil // Ctrl-C while starting
	case err == nil:
		err = s.drive(ctx)
	}
	return errors.Join(err, s.stop())
}

// resilienceImpl is the resilience lab's code govern uses.
type resilienceImpl struct {
	newBreaker func(name string, cfg policy.BreakerConfig) (breaker, error)
	rateLimit  func(perSecond float64, burst int) (grpc.UnaryServerInterceptor, error)
	retry      func(p policy.RetryPolicy, maxTokens, ratio float64) (grpc.UnaryClientInterceptor, error)
}

var resilienceImpls = map[string]resilienceImpl{
	demo.Solution: {
		newBreaker: func(name string, cfg policy.BreakerConfig) (breaker, error) {
			b, err := solution.NewBreaker(name, cfg)
			if err != nil {
				return nil, err
			}
			return b, nil
		},
		rateLimit: func(perSecond float64, burst int) (grpc.UnaryServerInterceptor, error) {
			l, err := solution.NewKeyedLimiter(perSecond, burst, 1000)
			if err != nil {
				return nil, err
			}
			return solution.RateLimit(l, solution.ClientKey), nil
		},
		retry: func(p policy.RetryPolicy, maxTokens, ratio float64) (grpc.UnaryClientInterceptor, error) {
			b, err := solution.NewRetryBudget(maxTokens, ratio)
			if err != nil {
				return nil, err
			}
			return solution.Retry(p, b), nil
		},
	},
	demo.Exercise: {
		newBreaker: func(name string, cfg policy.BreakerConfig) (breaker, error) {
			b, err := exercise.NewBreaker(name, cfg)
			if err != nil {
				return nil, err
			}
			return b, nil
		},
		rateLimit: func(perSecond float64, burst int) (grpc.UnaryServerInterceptor, error) {
			l, err := exercise.NewKeyedLimiter(perSecond, burst, 1000)
			if err != nil {
				return nil, err
			}
			return exercise.RateLimit(l, exercise.ClientKey), nil
		},
		retry: func(p policy.RetryPolicy, maxTokens, ratio float64) (grpc.UnaryClientInterceptor, error) {
			b, err := exercise.NewRetryBudget(maxTokens, ratio)
			if err != nil {
				return nil, err
			}
			return exercise.Retry(p, b), nil
		},
	},
}

// system is one run: everything it started, stopped in reverse.
type system struct {
	o     options
	stdio demo.IO
	out   io.Writer // the live lines
	fleet *fleet
	scr   *screen

	etcd        *programs.Etcd
	proxy       *etcdtest.Proxy // between etcd and all its clients: -etcd-down cuts it
	backends    map[string]*programs.RunningBackend
	cli         *clientv3.Client
	conn        *grpc.ClientConn
	client      greeterv1.GreeterClient
	tracer      trace.Tracer
	providers   []*sdktrace.TracerProvider
	metrics     *http.Server
	metricsAddr string     // where it listens
	served      chan error // the metrics server's end
}

// start brings the system up: the labs' code first (so an exercise's
// TODO shows before anything runs), then etcd, the backends, the client.
func (s *system) start(ctx context.Context) error {
	o := s.o
	im, err := programs.PickImpl(o.implName)
	if err != nil {
		return err
	}
	tel, err := telemetry.Pick(o.implName)
	if err != nil {
		return err
	}
	res := resilienceImpls[o.implName]
	childPolicy, err := im.Balancer(o.policy)
	if err != nil {
		return err
	}
	fail := func(err error) error { return fmt.Errorf("impl=%s: %w", o.implName, err) }

	// Metrics: one registry for the process, each component's series
	// labelled with its service, as separate processes would be by the
	// scraper's job label.
	reg := prometheus.NewRegistry()
	labelled := func(svc string) prometheus.Registerer {
		return prometheus.WrapRegistererWith(prometheus.Labels{"service": svc}, reg)
	}
	cm, err := tel.NewClientMetrics(labelled("client"))
	if err != nil {
		return fail(err)
	}
	gov, err := tel.NewGovernance(labelled("client"))
	if err != nil {
		return fail(err)
	}
	weights := map[string]int{}
	var ids []string
	for _, b := range o.backends {
		ids = append(ids, b.id)
		weights[b.id] = b.weight
	}
	newBreaker := func(id string) (breaker, error) {
		return res.newBreaker(breakerName(id), policy.BreakerConfig{OnStateChange: func(name string, from, to policy.State) {
			s.fleet.breakerChanged(id, from, to)
			gov.OnStateChange(name, from, to)
		}})
	}
	if s.fleet, err = newFleet(ids, weights, newBreaker); err != nil {
		return fail(err)
	}
	var retry grpc.UnaryClientInterceptor
	if o.attempts > 1 {
		rp := policy.RetryPolicy{MaxAttempts: o.attempts, InitialBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, Multiplier: 2}
		if retry, err = res.retry(rp, 10, 0.1); err != nil {
			return fail(err)
		}
	}

	// Tracing: a provider per service; spans leave the process only when
	// the environment names an OTLP endpoint (stdout is the table's).
	otlp := telemetry.OTLPConfigured()
	provider := func(name string) (*sdktrace.TracerProvider, error) {
		var procs []sdktrace.SpanProcessor
		if otlp {
			exp, err := tel.NewExporter(ctx, io.Discard)
			if err != nil {
				return nil, err
			}
			procs = append(procs, sdktrace.NewBatchSpanProcessor(exp))
		}
		tp, err := tel.NewProvider(name, o.ratio, procs...)
		if err != nil {
			for _, p := range procs {
				p.Shutdown(ctx)
			}
			return nil, fail(err)
		}
		s.providers = append(s.providers, tp)
		return tp, nil
	}
	clientTP, err := provider("client")
	if err != nil {
		return err
	}
	s.tracer = clientTP.Tracer("github.com/grpclabs/labs/ch04-governance/cmd/govern")

	// Each backend's server: traced, metered, rate-limited.
	serverOpts := map[string][]grpc.ServerOption{}
	for _, b := range o.backends {
		tp, err := provider("greeter-" + b.id)
		if err != nil {
			return err
		}
		sm, err := tel.NewServerMetrics(labelled("greeter-" + b.id))
		if err != nil {
			return fail(err)
		}
		bgov, err := tel.NewGovernance(labelled("greeter-" + b.id))
		if err != nil {
			return fail(err)
		}
		chain := []grpc.UnaryServerInterceptor{sm.Unary(), bgov.Limited()}
		if o.limit > 0 {
			limit, err := res.rateLimit(o.limit, o.burst)
			if err != nil {
				return fail(err)
			}
			chain = append(chain, limit)
		}
		serverOpts[b.id] = append(tel.ServerOptions(tp), grpc.ChainUnaryInterceptor(chain...), grpc.ChainStreamInterceptor(sm.Stream()))
	}

	if o.metricsAddr != "" {
		lis, err := net.Listen("tcp", o.metricsAddr)
		if err != nil {
			return fmt.Errorf("metrics: cannot listen: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", tel.MetricsHandler(reg))
		s.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		s.served = make(chan error, 1)
		go func() { s.served <- s.metrics.Serve(lis) }()
		s.metricsAddr = lis.Addr().String()
	}

	// etcd, and the proxy every etcd client goes through.
	if s.etcd, err = programs.StartEtcd(ctx, programs.EtcdConfig{Listen: "127.0.0.1:0"}); err != nil {
		return err
	}
	if s.proxy, err = etcdtest.NewProxy(s.etcd.Addr); err != nil {
		return err
	}
	etcdCfg := etcdtest.ClientConfig(s.proxy.Addr())

	for _, b := range o.backends {
		rb, err := programs.StartBackend(ctx, programs.BackendConfig{
			Instance: registry.Instance{Service: service, ID: b.id, Weight: b.weight, Version: "1.0.0"},
			Etcd:     etcdCfg, TTL: o.ttl, Impl: im, Options: serverOpts[b.id], Grace: time.Second,
		})
		if err != nil {
			return fmt.Errorf("backend %s: %w", b.id, err)
		}
		s.backends[b.id] = rb
	}

	if s.cli, err = clientv3.New(etcdCfg); err != nil {
		return fmt.Errorf("etcd client: %w", err)
	}
	sc := programs.ServiceConfig(fmt.Sprintf(`{%q:{"child":%q}}`, breakerPolicy, childPolicy), programs.HealthService)
	dial := []grpc.DialOption{
		grpc.WithResolvers(withFleet{im.NewResolverBuilder(s.cli), s.fleet}),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(sc),
		grpc.WithChainUnaryInterceptor(cm.Unary()),
		grpc.WithChainStreamInterceptor(cm.Stream()),
	}
	if retry != nil {
		dial = append(dial, grpc.WithChainUnaryInterceptor(retry))
	}
	if s.conn, err = grpc.NewClient("etcd:///"+service, append(dial, tel.DialOptions(clientTP)...)...); err != nil {
		return err
	}
	s.client = greeterv1.NewGreeterClient(s.conn)
	if err := s.warmUp(ctx); err != nil {
		return err
	}

	// What runs, for people.
	w := s.out
	fmt.Fprintf(w, "govern impl=%s: etcd %s embedded at %s; its clients go through a proxy at %s, which -etcd-down cuts\n",
		o.implName, version.Version, s.etcd.Addr, s.proxy.Addr())
	var bs []string
	for _, b := range o.backends {
		bs = append(bs, fmt.Sprintf("%s (weight %d) at %s", b.id, b.weight, s.backends[b.id].Instance.Addr))
	}
	limit := "no rate limit"
	if o.limit > 0 {
		limit = fmt.Sprintf("each limited to %v calls/s per client, burst %d", o.limit, o.burst)
	}
	fmt.Fprintf(w, "backends: %s; lease %v; %s\n", strings.Join(bs, ", "), o.ttl, limit)
	fmt.Fprintf(w, "client: policy %s, %v calls/s, deadline %v, %d attempts per call, a breaker per backend (opens at %.0f%% of %d, for %v)\n",
		o.policy, o.rate, o.timeout, o.attempts, policy.DefaultFailureRate*100, policy.DefaultWindow, policy.DefaultOpenTimeout)
	traces := "traces: not exported (set OTEL_EXPORTER_OTLP_ENDPOINT to send them over OTLP)"
	if otlp {
		traces = fmt.Sprintf("traces: OTLP, %g%% of calls sampled, one service.name per component", 100*o.ratio)
	}
	fmt.Fprintln(w, traces)
	if s.metricsAddr != "" {
		fmt.Fprintf(w, "listening on %s (metrics: http://%s/metrics)\n", s.metricsAddr, s.metricsAddr)
	}
	if sched := s.describeSchedule(); sched != "" {
		fmt.Fprintln(w, "schedule: "+sched)
	}
	for _, out := range o.outages {
		// KeepAlive renews every third of the TTL: a lease can miss
		// renewals for two thirds of it.
		if out.to-out.from >= o.ttl*2/3 {
			fmt.Fprintf(w, "note: -etcd-down %v is longer than the %v a lease survives unrenewed with -ttl %v: leases may expire, and the backends register again once etcd is back\n",
				out, o.ttl*2/3, o.ttl)
		}
	}
	s.scr = &screen{w: w, tty: isTerminal(w), duration: o.duration, header: fmt.Sprintf("govern impl=%s policy=%s %v calls/s", o.implName, o.policy, o.rate)}
	return nil
}

// warmUp waits until the client has a connection to every backend and
// each has answered, so the run measures the policy, not the start.
func (s *system) warmUp(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, warmUpTimeout)
	defer cancel()
	seen := map[string]bool{}
	var last error
	for i := 0; len(seen) < len(s.o.backends); i++ {
		cctx, ccancel := context.WithTimeout(hashkey.With(ctx, fmt.Sprintf("warm-up-%d", i)), s.o.timeout)
		cctx, span := s.tracer.Start(cctx, "warm up")
		r, err := s.client.SayHello(cctx, &greeterv1.SayHelloRequest{Name: "warm-up"}, grpc.WaitForReady(true))
		span.End()
		ccancel()
		if err == nil {
			seen[r.GetBackendId()] = true
		} else {
			last = err
		}
		if ctx.Err() != nil {
			var missing []string
			for _, b := range s.o.backends {
				if !seen[b.id] {
					missing = append(missing, b.id)
				}
			}
			return fmt.Errorf("%s never answered within %v (last error: %v)", strings.Join(missing, ", "), warmUpTimeout, last)
		}
	}
	return nil
}

// warmUpTimeout bounds the warm-up: it takes seconds on a busy machine.
const warmUpTimeout = 30 * time.Second

// describeSchedule is the chaos schedule in one line.
func (s *system) describeSchedule() string {
	var parts []string
	for _, f := range s.o.faults {
		parts = append(parts, fmt.Sprintf("%s %s %s", f.when, f.kind, f.id))
	}
	for _, o := range s.o.outages {
		parts = append(parts, fmt.Sprintf("%s etcd down", o))
	}
	sort.Strings(parts)
	return strings.Join(parts, " · ")
}

// schedule turns the faults into actions, in time order.
func (s *system) schedule() []action {
	var acts []action
	add := func(at time.Duration, do func()) { acts = append(acts, action{at, do}) }
	slow, failing := map[string]bool{}, map[string]bool{}
	state := func(id string) {
		st := "up"
		switch {
		case slow[id] && failing[id]:
			st = "slow+failing"
		case slow[id]:
			st = "slow"
		case failing[id]:
			st = "failing"
		}
		s.fleet.setState(id, st)
	}
	for _, f := range s.o.faults {
		b, id := s.backends[f.id], f.id
		switch f.kind {
		case "kill":
			add(f.when.from, func() {
				b.Kill()
				s.fleet.setState(id, "killed")
				s.fleet.event("kill", id, fmt.Sprintf("%s killed: its connections and port closed at once; its lease is not revoked, so its key stays in etcd for up to %v", id, s.o.ttl))
			})
		case "slow":
			add(f.when.from, func() {
				b.Greeter.SetLatency(s.o.latency)
				slow[id] = true
				state(id)
				s.fleet.event("slow", id, fmt.Sprintf("%s slow: every call takes %v longer", id, s.o.latency))
			})
			if f.when.to > 0 {
				add(f.when.to, func() {
					b.Greeter.SetLatency(0)
					slow[id] = false
					state(id)
					s.fleet.event("fast", id, id+" fast again")
				})
			}
		case "fail":
			add(f.when.from, func() {
				b.Greeter.SetFailRate(s.o.failRate)
				failing[id] = true
				state(id)
				s.fleet.event("fail", id, fmt.Sprintf("%s failing: %.0f%% of its calls answer Unavailable", id, 100*s.o.failRate))
			})
			if f.when.to > 0 {
				add(f.when.to, func() {
					b.Greeter.SetFailRate(0)
					failing[id] = false
					state(id)
					s.fleet.event("recover", id, id+" healthy again")
				})
			}
		}
	}
	for _, out := range s.o.outages {
		add(out.from, func() {
			s.proxy.Cut()
			s.fleet.etcdDown(out.from, out.to)
			s.fleet.event("etcd-down", "", "etcd unreachable: every connection to it cut (the backends' lease keep-alives, the client's watch)")
		})
		add(out.to, func() {
			s.proxy.Heal()
			s.fleet.etcdUp()
			s.fleet.event("etcd-up", "", "etcd reachable again")
		})
	}
	sort.SliceStable(acts, func(i, j int) bool { return acts[i].at < acts[j].at })
	return acts
}

// drive runs the load and the schedule until -duration or ctx ends,
// printing a tick every -tick, then the summary.
func (s *system) drive(ctx context.Context) error {
	o := s.o
	start := time.Now()
	s.fleet.begin(start)
	acts := s.schedule()
	calls := time.NewTicker(time.Duration(float64(time.Second) / o.rate))
	defer calls.Stop()
	ticks := time.NewTicker(o.tick)
	defer ticks.Stop()
	var end <-chan time.Time
	if o.duration > 0 {
		t := time.NewTimer(o.duration)
		defer t.Stop()
		end = t.C
	}
	next := time.NewTimer(time.Hour)
	defer next.Stop()
	arm := func() {
		if len(acts) > 0 {
			next.Reset(time.Until(start.Add(acts[0].at)))
		}
	}
	arm()

	var wg sync.WaitGroup
	var runErr error
	lastTick := start
	// Calls outlive a Ctrl-C by at most their deadline: they end, and count.
	callCtx := context.WithoutCancel(ctx)
loop:
	for n := 0; ; {
		select {
		case <-ctx.Done():
			fmt.Fprintf(s.out, "%7s  interrupted\n", seconds(time.Since(start)))
			break loop
		case <-end:
			break loop
		case err := <-s.etcd.Err():
			runErr = fmt.Errorf("etcd stopped: %v", err)
			break loop
		case err := <-s.served:
			runErr = fmt.Errorf("metrics: %w", err)
			break loop
		case <-calls.C:
			s.call(callCtx, &wg, n)
			n++
		case <-ticks.C:
			s.scr.show(s.fleet.tick())
			lastTick = time.Now()
		case <-next.C:
			for len(acts) > 0 && time.Since(start) >= acts[0].at {
				acts[0].do()
				acts = acts[1:]
			}
			arm()
		}
	}
	wg.Wait()
	// The last stretch is a tick of its own if it is long enough to mean
	// something; its calls count in the summary either way.
	if time.Since(lastTick) >= o.tick/2 {
		s.scr.show(s.fleet.tick())
	} else if evs := s.fleet.pending(); len(evs) > 0 {
		s.scr.flush(evs)
	}
	sum := s.fleet.summary(o.implName, o.policy, o.rate)
	if o.asJSON {
		if err := writeJSON(s.stdio.Out, sum); err != nil {
			runErr = errors.Join(runErr, err)
		}
	} else {
		printSummary(s.stdio.Out, sum, s.fleet.order)
	}
	if runErr == nil && sum.Calls > 0 && sum.OK == 0 {
		runErr = errors.New("no call succeeded")
	}
	return runErr
}

// call makes one call in the background: a root span, then the client's
// chain (metrics, retry, and per attempt the balancer, the backend's
// breaker and a client span).
func (s *system) call(ctx context.Context, wg *sync.WaitGroup, n int) {
	outage := s.fleet.callStarted()
	wg.Go(func() {
		ctx, cancel := context.WithTimeout(ctx, s.o.timeout)
		defer cancel()
		ctx = hashkey.With(ctx, fmt.Sprintf("user-%d", n%100))
		ctx, span := s.tracer.Start(ctx, "call greeter")
		start := time.Now()
		_, err := s.client.SayHello(ctx, &greeterv1.SayHelloRequest{Name: "govern"}, grpc.WaitForReady(true))
		d := time.Since(start)
		if err != nil {
			span.SetStatus(otelcodes.Error, status.Convert(err).Message())
		}
		span.End()
		s.fleet.callDone(d, err, outage)
	})
}

// stop takes everything down in the order that loses nothing: the
// client, then the backends (each leaves in order), etcd, and last the
// trace providers, which flush what they hold.
func (s *system) stop() error {
	var err error
	if s.conn != nil {
		s.conn.Close()
	}
	if s.cli != nil {
		s.cli.Close()
	}
	if s.proxy != nil {
		s.proxy.Heal() // an outage may last to the end; the backends must reach etcd to deregister
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for id, b := range s.backends {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if lerr := b.Leave(ctx, 0); lerr != nil {
				mu.Lock()
				err = errors.Join(err, fmt.Errorf("backend %s: %w", id, lerr))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if s.proxy != nil {
		s.proxy.Close()
	}
	if s.etcd != nil {
		s.etcd.Close(s.stdio.Err)
	}
	if s.metrics != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.metrics.Shutdown(ctx)
		cancel()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tp := range s.providers {
		if perr := tp.Shutdown(ctx); perr != nil {
			// The run itself went fine; say what was lost.
			fmt.Fprintf(s.stdio.Err, "govern: spans not exported: %v\n", perr)
		}
	}
	return err
}
