// Command hopchain demonstrates the deadlines lab (chapter 3.2): three hops,
// A -> B -> C, each a real gRPC server on 127.0.0.1 in this process. It
// prints what each hop saw of the client's deadline and request id, the
// error when the chain fails, and the audit record every hop writes after
// the request ended.
//
//	go run ./ch03-concurrency/cmd/hopchain                            # budgets: A 1s, B 900ms, C 800ms
//	go run ./ch03-concurrency/cmd/hopchain -timeout=150ms              # B fails fast: no budget left
//	go run ./ch03-concurrency/cmd/hopchain -slow=C                     # C's database is too slow: B's reserve says why
//	go run ./ch03-concurrency/cmd/hopchain -fail=B                     # B's database fails: siblings cancelled
//	go run ./ch03-concurrency/cmd/hopchain -slow=C -cancel-after=50ms  # the client gives up: everything stops
//	go run ./ch03-concurrency/cmd/hopchain -impl=exercise              # your code
package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch03-concurrency/deadlines/exercise"
	"github.com/grpclabs/labs/ch03-concurrency/deadlines/solution"
	hopv1 "github.com/grpclabs/labs/ch03-concurrency/gen/hop/v1"
	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/labkit"
)

func main() { demo.Main("hopchain", run) }

// hopConfig is the lab's Config, field for field, so both convert to it.
type hopConfig struct {
	Name         string
	Next         hopv1.HopServiceClient
	Reserve      time.Duration
	Query        func(ctx context.Context, query string) (string, error)
	Log          func(ctx context.Context, line string) error
	Audit        func(ctx context.Context, hop string, code codes.Code)
	AuditTimeout time.Duration
}

type impl struct {
	newHop        func(hopConfig) hopv1.HopServiceServer
	client        func() grpc.UnaryClientInterceptor
	server        func() grpc.UnaryServerInterceptor
	withRequestID func(context.Context, string) context.Context
	requestID     func(context.Context) (string, bool)
}

var (
	solutionImpl = impl{
		func(c hopConfig) hopv1.HopServiceServer { return solution.NewHop(solution.Config(c)) },
		solution.UnaryClientInterceptor, solution.UnaryServerInterceptor, solution.WithRequestID, solution.RequestID,
	}
	exerciseImpl = impl{
		func(c hopConfig) hopv1.HopServiceServer { return exercise.NewHop(exercise.Config(c)) },
		exercise.UnaryClientInterceptor, exercise.UnaryServerInterceptor, exercise.WithRequestID, exercise.RequestID,
	}
)

// run is main without the process. The hops listen on the Net of ctx:
// loopback TCP, or in-memory pipes when a test runs it in a synctest bubble.
func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("hopchain")
	var (
		implName    = demo.ImplFlag(fs)
		timeout     = fs.Duration("timeout", time.Second, "the client's deadline (0: none)")
		reserve     = fs.Duration("reserve", 100*time.Millisecond, "time each hop keeps for itself")
		dbDelay     = fs.Duration("db", 10*time.Millisecond, "how long a database query takes")
		slow        = fs.String("slow", "", "hop (A, B or C) whose database takes 1 hour")
		fail        = fs.String("fail", "", "hop (A, B or C) whose database answers Unavailable")
		cancelAfter = fs.Duration("cancel-after", 0, "the client cancels after this long (0: never)")
		id          = fs.String("id", "req-demo", "request id the client sends (empty: let hop A make one)")
	)
	if err := demo.Parse(fs, args, "hopchain [-impl solution|exercise] [-timeout 1s] [-reserve 100ms] [-db 10ms] [-slow A|B|C] [-fail A|B|C] [-cancel-after d] [-id ID]", 0, stdio.Err); err != nil {
		return err
	}
	im, err := demo.Pick(*implName, solutionImpl, exerciseImpl)
	if err != nil {
		return err
	}
	names := []string{"A", "B", "C"}
	for _, f := range []struct{ name, v string }{{"-slow", *slow}, {"-fail", *fail}} {
		if f.v != "" && !slices.Contains(names, f.v) {
			return demo.Usagef("%s=%q: want A, B or C", f.name, f.v)
		}
	}
	if *timeout < 0 || *reserve < 0 || *dbDelay < 0 || *cancelAfter < 0 {
		return demo.Usagef("durations must not be negative")
	}
	stdout := stdio.Out

	var mu sync.Mutex // one printer for every goroutine
	say := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(stdout, format+"\n", a...)
	}
	audits := make(chan struct{}, 3)
	var reached atomic.Int32 // hops the request got to: each writes one audit

	var next hopv1.HopServiceClient
	for _, name := range slices.Backward(names) {
		delay := *dbDelay
		if *slow == name {
			delay = time.Hour
		}
		failing := *fail == name
		cfg := hopConfig{
			Name: name, Next: next, Reserve: *reserve, AuditTimeout: time.Second,
			Query: func(ctx context.Context, q string) (string, error) {
				select {
				case <-time.After(delay):
				case <-ctx.Done():
					say("  hop %s: query stopped: %v", name, context.Cause(ctx))
					return "", ctx.Err()
				}
				if failing {
					return "", status.Error(codes.Unavailable, "db down")
				}
				return "rows from " + name, nil
			},
			Log: func(context.Context, string) error { return nil },
			Audit: func(ctx context.Context, hop string, code codes.Code) {
				rid, _ := im.requestID(ctx)
				say("  audit: hop %s, request %s, ended %v", hop, rid, code)
				audits <- struct{}{}
			},
		}
		conn, stop, err := start(demo.NetFrom(ctx), im.newHop(cfg), im, &reached)
		if err != nil {
			return err
		}
		defer stop()
		next = hopv1.NewHopServiceClient(conn)
	}

	say("chain A → B → C (impl=%s): client deadline %v, each hop keeps %v, queries take %v", *implName, *timeout, *reserve, *dbDelay)
	if *id != "" {
		ctx = im.withRequestID(ctx, *id)
	}
	var cancel context.CancelFunc
	if *timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, *timeout)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	if *cancelAfter > 0 {
		t := time.AfterFunc(*cancelAfter, cancel)
		defer t.Stop()
	}

	begin := time.Now()
	resp, err := next.Call(ctx, &hopv1.CallRequest{Query: "select price from books"})
	took := time.Since(begin).Round(time.Millisecond)
	if labkit.IsTODO(err) {
		return fmt.Errorf("-impl=exercise: %v (see ch03-concurrency/deadlines/README.md)", status.Convert(err).Message())
	}
	var failed error
	if err != nil {
		say("call failed after %v: %v: %s", took, status.Code(err), status.Convert(err).Message())
		failed = fmt.Errorf("the call failed: %v: %s", status.Code(err), status.Convert(err).Message())
	} else {
		say("call succeeded after %v:", took)
		for _, tr := range resp.GetHops() {
			say("  hop %s: budget %v, request %s, %s", tr.GetHop(), tr.GetBudget().AsDuration().Round(time.Millisecond), tr.GetRequestId(), tr.GetRows())
		}
	}
	// Audits are written after the request ended; wait a moment for them.
	deadline := time.After(2 * time.Second)
	for range reached.Load() {
		select {
		case <-audits:
		case <-deadline:
			return errors.Join(failed, errors.New("not every hop wrote its audit record within 2s"))
		}
	}
	return failed
}

// start serves h with the lab's interceptors on a fresh port of nt (or an
// in-memory address) and dials it.
func start(nt *demo.Net, h hopv1.HopServiceServer, im impl, reached *atomic.Int32) (*grpc.ClientConn, func(), error) {
	count := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		reached.Add(1)
		return handler(ctx, req)
	}
	return nt.Serve(demo.Server{
		Register: func(s *grpc.Server) { hopv1.RegisterHopServiceServer(s, h) },
		// WaitForHandlers: the stop returns only after every handler did,
		// so nothing prints after run returned.
		Options: []grpc.ServerOption{grpc.WaitForHandlers(true), grpc.ChainUnaryInterceptor(count, im.server())},
	}, grpc.WithUnaryInterceptor(im.client()))
}
