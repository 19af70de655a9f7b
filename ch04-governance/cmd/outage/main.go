// Command outage demonstrates the resilience lab (chapter 4.3): a client
// calls an inventory backend at a steady rate through the lab's breaker,
// retry and retry budget; the backend, behind the lab's rate and
// concurrency limits, goes dark for a while. Every tick it prints what the
// client saw and what reached the backend, so you can watch the breaker
// open, fail fast without touching the network, probe with trials, and
// close when the backend is back.
//
//	go run ./ch04-governance/cmd/outage                          # dark from 1s to 3s
//	go run ./ch04-governance/cmd/outage -dark=2s..4s -duration=6s
//	go run ./ch04-governance/cmd/outage -qps=80 -rate=50         # the server's limiter refuses the excess
//	go run ./ch04-governance/cmd/outage -impl=exercise           # your code
//
// Everything runs in this process, over real TCP on 127.0.0.1.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	ordersv1 "github.com/grpclabs/labs/ch04-governance/gen/orders/v1"
	"github.com/grpclabs/labs/ch04-governance/resilience/exercise"
	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	"github.com/grpclabs/labs/ch04-governance/resilience/solution"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("outage", run) }

// settings are the knobs both implementations are built from.
type settings struct {
	breaker  policy.InterceptorConfig
	retry    policy.RetryPolicy
	budget   [2]float64 // max tokens, ratio
	rate     float64
	burst    int
	inFlight int
}

// impl builds the client's dial options and the server's options from one
// of the two packages.
type impl struct {
	client func(settings) ([]grpc.DialOption, error)
	server func(settings) ([]grpc.ServerOption, error)
}

var impls = map[string]impl{
	demo.Solution: {
		client: func(s settings) ([]grpc.DialOption, error) {
			bs, err := solution.NewBreakers(s.breaker)
			if err != nil {
				return nil, err
			}
			b, err := solution.NewRetryBudget(s.budget[0], s.budget[1])
			if err != nil {
				return nil, err
			}
			return solution.ClientChain(bs, solution.Retry(s.retry, b)), nil
		},
		server: func(s settings) ([]grpc.ServerOption, error) {
			k, err := solution.NewKeyedLimiter(s.rate, s.burst, 10_000)
			if err != nil {
				return nil, err
			}
			return []grpc.ServerOption{grpc.ChainUnaryInterceptor(solution.ConcurrencyLimit(s.inFlight), solution.RateLimit(k, solution.ClientKey))}, nil
		},
	},
	demo.Exercise: {
		client: func(s settings) ([]grpc.DialOption, error) {
			bs, err := exercise.NewBreakers(s.breaker)
			if err != nil {
				return nil, err
			}
			b, err := exercise.NewRetryBudget(s.budget[0], s.budget[1])
			if err != nil {
				return nil, err
			}
			return exercise.ClientChain(bs, exercise.Retry(s.retry, b)), nil
		},
		server: func(s settings) ([]grpc.ServerOption, error) {
			k, err := exercise.NewKeyedLimiter(s.rate, s.burst, 10_000)
			if err != nil {
				return nil, err
			}
			return []grpc.ServerOption{grpc.ChainUnaryInterceptor(exercise.ConcurrencyLimit(s.inFlight), exercise.RateLimit(k, exercise.ClientKey))}, nil
		},
	},
}

// network is how the backend listens and the client dials; the test swaps
// in bufconn so the whole run fits in a synctest bubble.
var network = func() (net.Listener, string, []grpc.DialOption, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", nil, err
	}
	return l, l.Addr().String(), nil, nil
}

// window is a span of the run, parsed from "1s..3s".
type window struct{ from, to time.Duration }

func (w *window) String() string { return w.from.String() + ".." + w.to.String() }

func (w *window) Set(s string) error {
	a, b, ok := strings.Cut(s, "..")
	if !ok {
		return errors.New("want FROM..TO, e.g. 1s..3s")
	}
	from, err1 := time.ParseDuration(a)
	to, err2 := time.ParseDuration(b)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	if from < 0 || to < from {
		return fmt.Errorf("want 0 <= FROM <= TO, got %v..%v", from, to)
	}
	w.from, w.to = from, to
	return nil
}

func (w window) contains(d time.Duration) bool { return d >= w.from && d < w.to }

func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("outage")
	implName := demo.ImplFlag(fs)
	dark := window{time.Second, 3 * time.Second}
	fs.Var(&dark, "dark", "when the backend answers Unavailable to everything, FROM..TO since the start")
	duration := fs.Duration("duration", 5*time.Second, "how long the client calls")
	qps := fs.Float64("qps", 20, "client calls per second (one at a time)")
	tick := fs.Duration("tick", 500*time.Millisecond, "how often a line is printed")
	timeout := fs.Duration("timeout", 500*time.Millisecond, "each call's deadline")
	openFor := fs.Duration("open", policy.DefaultOpenTimeout, "how long the breaker stays open")
	rateLimit := fs.Float64("rate", 100, "the server's limit per client, calls per second")
	burst := fs.Int("burst", 20, "the server's burst per client")
	if err := demo.Parse(fs, args, "outage [flags]", 0, stdio.Err); err != nil {
		return err
	}
	if *qps <= 0 || *duration <= 0 || *tick <= 0 || *timeout <= 0 {
		return demo.Usagef("-qps, -duration, -tick and -timeout must be positive")
	}
	im, err := demo.Pick(*implName, impls[demo.Solution], impls[demo.Exercise])
	if err != nil {
		return err
	}

	var mu sync.Mutex
	var states []string
	state := policy.Closed
	s := settings{
		breaker: policy.InterceptorConfig{Breaker: policy.BreakerConfig{OpenTimeout: *openFor, OnStateChange: func(_ string, _, to policy.State) {
			mu.Lock()
			defer mu.Unlock()
			state = to
			states = append(states, to.String())
		}}},
		retry:  policy.RetryPolicy{MaxAttempts: 3, InitialBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Multiplier: 2},
		budget: [2]float64{10, 0.1},
		rate:   *rateLimit, burst: *burst, inFlight: 50,
	}
	dialOpts, err := im.client(s)
	if err != nil {
		return fmt.Errorf("impl=%s: client: %w", *implName, err)
	}
	serverOpts, err := im.server(s)
	if err != nil {
		return fmt.Errorf("impl=%s: server: %w", *implName, err)
	}

	start := time.Now()
	backend := &backend{dark: func() bool { return dark.contains(time.Since(start)) }}
	lis, target, dialer, err := network()
	if err != nil {
		return fmt.Errorf("cannot listen: %w", err)
	}
	srvCtx, stopServer := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan error, 1)
	go func() {
		served <- demo.Serve(srvCtx, demo.Server{Listener: lis, Options: serverOpts, Grace: time.Second,
			Register: func(g *grpc.Server) { ordersv1.RegisterInventoryServiceServer(g, backend) }})
	}()
	defer func() { stopServer(); <-served }()

	conn, err := grpc.NewClient(target, append(append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, dialer...), dialOpts...)...)
	if err != nil {
		return err
	}
	defer conn.Close()
	client := ordersv1.NewInventoryServiceClient(conn)

	fmt.Fprintf(stdio.Out, "outage: impl=%s; backend dark %v; client %v calls/s for %v; breaker %v%% of %d calls, open %v, %d trials; retry %d attempts, budget %v tokens earning %v per success; server limit %v/s, burst %d, per client\n",
		*implName, &dark, *qps, *duration, policy.DefaultFailureRate*100, policy.DefaultWindow, *openFor, policy.DefaultHalfOpenCalls,
		s.retry.MaxAttempts, s.budget[0], s.budget[1], *rateLimit, *burst)
	fmt.Fprintf(stdio.Out, "%8s %6s %5s %7s %10s %8s %9s  %s\n", "time", "calls", "ok", "failed", "fast-fail", "limited", "attempts", "breaker")

	var total, tickCounts counts
	interval := time.Duration(float64(time.Second) / *qps)
	nextTick := *tick
	print := func(at time.Duration) {
		mu.Lock()
		st := state
		mu.Unlock()
		tickCounts.attempts = backend.attempts.Swap(0)
		total.attempts += tickCounts.attempts
		tickCounts.print(stdio.Out, at, st)
		tickCounts = counts{}
	}
	for i := 0; ; i++ {
		at := time.Duration(i) * interval
		if at >= *duration {
			break
		}
		for at >= nextTick {
			print(nextTick)
			nextTick += *tick
		}
		if err := sleepUntil(ctx, start.Add(at)); err != nil {
			fmt.Fprintln(stdio.Out, "interrupted")
			return nil
		}
		cctx, cancel := context.WithTimeout(ctx, *timeout)
		_, err := client.Reserve(cctx, &ordersv1.ReserveRequest{Item: "apple", Quantity: 1})
		cancel()
		tickCounts.add(err)
		total.add(err)
	}
	for nextTick <= *duration {
		print(nextTick)
		nextTick += *tick
	}
	if err := sleepUntil(ctx, start.Add(*duration)); err != nil {
		return nil
	}
	mu.Lock()
	defer mu.Unlock()
	fmt.Fprintf(stdio.Out, "summary: %d calls: %d ok, %d failed at the backend, %d failed fast (no network), %d rate-limited, %d other; the backend saw %d attempts; breaker: %s\n",
		total.calls, total.ok, total.failed, total.fastFail, total.limited, total.other, total.attempts, strings.Join(append([]string{"closed"}, states...), " > "))
	return nil
}

func sleepUntil(ctx context.Context, t time.Time) error {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// counts is what the client saw.
type counts struct{ calls, ok, failed, fastFail, limited, other, attempts int64 }

func (c *counts) add(err error) {
	c.calls++
	switch st := status.Convert(err); {
	case err == nil:
		c.ok++
	case st.Code() == codes.Unavailable && strings.Contains(st.Message(), "circuit breaker"):
		c.fastFail++
	case st.Code() == codes.Unavailable:
		c.failed++
	case st.Code() == codes.ResourceExhausted:
		c.limited++
	default:
		c.other++
	}
}

func (c counts) print(w io.Writer, at time.Duration, st policy.State) {
	fmt.Fprintf(w, "%8v %6d %5d %7d %10d %8d %9d  %v\n", at, c.calls, c.ok, c.failed, c.fastFail, c.limited, c.attempts, st)
}

// backend is the inventory: it counts every attempt that reaches it, and
// answers Unavailable while dark.
type backend struct {
	ordersv1.UnimplementedInventoryServiceServer
	dark     func() bool
	attempts atomic.Int64
}

func (b *backend) Reserve(ctx context.Context, req *ordersv1.ReserveRequest) (*ordersv1.ReserveResponse, error) {
	b.attempts.Add(1)
	if b.dark() {
		return nil, status.Error(codes.Unavailable, "inventory is dark")
	}
	return &ordersv1.ReserveResponse{Left: 100}, nil
}
