// Command pricefanout demonstrates the channels lab (chapter 3.1): it starts
// a few price backends in this process, each a real gRPC server on
// 127.0.0.1 with its own delay, and asks them all for a quote using one of
// the lab's policies.
//
//	go run ./ch03-concurrency/cmd/pricefanout                       # gather, 200ms overall deadline
//	go run ./ch03-concurrency/cmd/pricefanout -mode=failfast -fail=1
//	go run ./ch03-concurrency/cmd/pricefanout -mode=hedged -delays=300ms,20ms -hedge=50ms
//	go run ./ch03-concurrency/cmd/pricefanout -impl=exercise         # your code
//
// -delays sets one backend per entry; -fail makes that backend (0-based)
// answer Unavailable at once. Each line shows a backend's answer or error and when
// the whole call returned.
//
// Exit status: 0 when the policy produced an answer (for gather, at least
// one backend's quote), 1 when it failed, 2 for bad flags.
package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch03-concurrency/channels/exercise"
	"github.com/grpclabs/labs/ch03-concurrency/channels/solution"
	pricev1 "github.com/grpclabs/labs/ch03-concurrency/gen/price/v1"
	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/labkit"
)

func main() { demo.Main("pricefanout", run) }

// impl is the lab code the demo runs.
type impl struct {
	gather   func(context.Context, []pricev1.PriceServiceClient, string, time.Duration) ([]*pricev1.QuoteResponse, []error)
	failFast func(context.Context, []pricev1.PriceServiceClient, string) ([]*pricev1.QuoteResponse, error)
	hedged   func(context.Context, pricev1.PriceServiceClient, pricev1.PriceServiceClient, string, time.Duration) (*pricev1.QuoteResponse, error)
}

var (
	solutionImpl = impl{solution.Gather, solution.FailFast, solution.Hedged}
	exerciseImpl = impl{exercise.Gather, exercise.FailFast, exercise.Hedged}
)

// run is main without the process. The backends listen on the Net of ctx:
// loopback TCP, or in-memory pipes when a test runs it in a synctest bubble.
func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("pricefanout")
	var (
		implName = demo.ImplFlag(fs)
		mode     = fs.String("mode", "gather", "gather, failfast or hedged")
		delays   = fs.String("delays", "10ms,1s,50ms", "comma-separated answer delay of each backend")
		fail     = fs.Int("fail", -1, "index of a backend that answers Unavailable (-1: none)")
		timeout  = fs.Duration("timeout", 200*time.Millisecond, "overall deadline (gather) or caller deadline")
		hedge    = fs.Duration("hedge", 50*time.Millisecond, "hedged mode: delay before the second request")
	)
	if err := demo.Parse(fs, args, "pricefanout [-impl solution|exercise] [-mode gather|failfast|hedged] [-delays 10ms,1s,50ms] [-fail N] [-timeout 200ms] [-hedge 50ms]", 0, stdio.Err); err != nil {
		return err
	}
	im, err := demo.Pick(*implName, solutionImpl, exerciseImpl)
	if err != nil {
		return err
	}
	var ds []time.Duration
	for s := range strings.SplitSeq(*delays, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil || d < 0 {
			return demo.Usagef("-delays: %q is not a duration like 50ms", s)
		}
		ds = append(ds, d)
	}
	switch {
	case *fail >= len(ds) || *fail < -1:
		return demo.Usagef("-fail=%d: there are %d backends, 0 to %d (-1: none)", *fail, len(ds), len(ds)-1)
	case *mode != "gather" && *mode != "failfast" && *mode != "hedged":
		return demo.Usagef("-mode=%q: want gather, failfast or hedged", *mode)
	case *mode == "hedged" && len(ds) != 2:
		return demo.Usagef("-mode=hedged needs exactly two -delays: primary,secondary")
	case *timeout <= 0 || *hedge < 0:
		return demo.Usagef("-timeout must be positive and -hedge not negative")
	}
	stdout := stdio.Out
	fmt.Fprintf(stdout, "%s over %d backends (impl=%s): delays %s, deadline %v\n", *mode, len(ds), *implName, *delays, *timeout)

	clients := make([]pricev1.PriceServiceClient, len(ds))
	for i, d := range ds {
		var err error
		if i == *fail {
			err = status.Error(codes.Unavailable, "backend is down")
		}
		c, stop, serr := start(demo.NetFrom(ctx), &backend{name: fmt.Sprintf("backend-%d", i), delay: d, cents: int64(100 * (i + 1)), err: err})
		if serr != nil {
			return serr
		}
		defer stop()
		clients[i] = c
	}

	callCtx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	begin := time.Now()
	took := func() string { return time.Since(begin).Round(time.Millisecond).String() }
	switch *mode {
	case "gather":
		quotes, errs := im.gather(ctx, clients, "book-42", *timeout)
		failed := 0
		for _, err := range errs {
			if labkit.IsTODO(err) {
				return todo(err)
			}
			if err != nil {
				failed++
			}
		}
		for i := range clients {
			var q *pricev1.QuoteResponse
			var err error
			if i < len(quotes) {
				q = quotes[i]
			}
			if i < len(errs) {
				err = errs[i]
			}
			line(stdout, i, q, err)
		}
		fmt.Fprintf(stdout, "gather returned after %s\n", took())
		if failed == len(clients) {
			// A partial answer is what gather is for; none at all is a failure.
			return fmt.Errorf("gather: all %d backends failed", failed)
		}
	case "failfast":
		quotes, err := im.failFast(callCtx, clients, "book-42")
		if labkit.IsTODO(err) {
			return todo(err)
		}
		if err != nil {
			fmt.Fprintf(stdout, "failfast: %v (after %s)\n", err, took())
			return fmt.Errorf("failfast: %v", err)
		}
		for i, q := range quotes {
			line(stdout, i, q, nil)
		}
		fmt.Fprintf(stdout, "failfast returned after %s\n", took())
	case "hedged":
		q, err := im.hedged(callCtx, clients[0], clients[1], "book-42", *hedge)
		if labkit.IsTODO(err) {
			return todo(err)
		}
		if err != nil {
			fmt.Fprintf(stdout, "hedged: %v (after %s)\n", err, took())
			return fmt.Errorf("hedged: %v", err)
		}
		fmt.Fprintf(stdout, "hedged: %s answered %d cents after %s\n", q.GetBackend(), q.GetCents(), took())
	}
	return nil
}

// todo is the one-line error for exercise code that is not written yet.
func todo(err error) error {
	return fmt.Errorf("-impl=exercise: %v (see ch03-concurrency/channels/README.md)", err)
}

func line(w io.Writer, i int, q *pricev1.QuoteResponse, err error) {
	if q == nil && err == nil {
		fmt.Fprintf(w, "  %d: no result (quotes[%d] and errs[%d] are both empty)\n", i, i, i)
		return
	}
	if err != nil {
		fmt.Fprintf(w, "  %d: %s (%v)\n", i, status.Code(err), err)
		return
	}
	fmt.Fprintf(w, "  %d: %s %d cents\n", i, q.GetBackend(), q.GetCents())
}

// backend answers after delay, or at once with err; it stops early when
// the caller gives up.
type backend struct {
	pricev1.UnimplementedPriceServiceServer
	name  string
	delay time.Duration
	cents int64
	err   error
}

func (b *backend) Quote(ctx context.Context, req *pricev1.QuoteRequest) (*pricev1.QuoteResponse, error) {
	if b.err != nil { // a broken backend fails at once
		return nil, b.err
	}
	select {
	case <-time.After(b.delay):
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	return &pricev1.QuoteResponse{Sku: req.GetSku(), Cents: b.cents, Backend: b.name}, nil
}

// start serves b on a fresh port of nt (or an in-memory address) and dials it.
func start(nt *demo.Net, b *backend) (pricev1.PriceServiceClient, func(), error) {
	conn, stop, err := nt.Serve(demo.Server{Register: func(s *grpc.Server) { pricev1.RegisterPriceServiceServer(s, b) }})
	if err != nil {
		return nil, nil, err
	}
	return pricev1.NewPriceServiceClient(conn), stop, nil
}
