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
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch03-concurrency/channels/exercise"
	"github.com/grpclabs/labs/ch03-concurrency/channels/solution"
	pricev1 "github.com/grpclabs/labs/ch03-concurrency/gen/price/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pricefanout:", err)
		os.Exit(1)
	}
}

// impl is the lab code the demo runs.
type impl struct {
	gather   func(context.Context, []pricev1.PriceServiceClient, string, time.Duration) ([]*pricev1.QuoteResponse, []error)
	failFast func(context.Context, []pricev1.PriceServiceClient, string) ([]*pricev1.QuoteResponse, error)
	hedged   func(context.Context, pricev1.PriceServiceClient, pricev1.PriceServiceClient, string, time.Duration) (*pricev1.QuoteResponse, error)
}

var impls = map[string]impl{
	"solution": {solution.Gather, solution.FailFast, solution.Hedged},
	"exercise": {exercise.Gather, exercise.FailFast, exercise.Hedged},
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("pricefanout", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // we report flag errors ourselves, in one line
	var (
		implName = fs.String("impl", "solution", "whose code runs: solution or exercise")
		mode     = fs.String("mode", "gather", "gather, failfast or hedged")
		delays   = fs.String("delays", "10ms,1s,50ms", "comma-separated answer delay of each backend")
		fail     = fs.Int("fail", -1, "index of a backend that answers Unavailable (-1: none)")
		timeout  = fs.Duration("timeout", 200*time.Millisecond, "overall deadline (gather) or caller deadline")
		hedge    = fs.Duration("hedge", 50*time.Millisecond, "hedged mode: delay before the second request")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	im, ok := impls[*implName]
	if !ok {
		return fmt.Errorf("-impl=%q: want solution or exercise", *implName)
	}
	var ds []time.Duration
	for s := range strings.SplitSeq(*delays, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil || d < 0 {
			return fmt.Errorf("-delays: %q is not a duration like 50ms", s)
		}
		ds = append(ds, d)
	}
	if *fail >= len(ds) {
		return fmt.Errorf("-fail=%d: there are only %d backends", *fail, len(ds))
	}
	if *mode == "hedged" && len(ds) != 2 {
		return errors.New("-mode=hedged needs exactly two -delays: primary,secondary")
	}

	clients := make([]pricev1.PriceServiceClient, len(ds))
	for i, d := range ds {
		var err error
		if i == *fail {
			err = status.Error(codes.Unavailable, "backend is down")
		}
		c, stop, serr := start(&backend{name: fmt.Sprintf("backend-%d", i), delay: d, cents: int64(100 * (i + 1)), err: err})
		if serr != nil {
			return serr
		}
		defer stop()
		clients[i] = c
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	begin := time.Now()
	took := func() string { return time.Since(begin).Round(time.Millisecond).String() }
	switch *mode {
	case "gather":
		quotes, errs := im.gather(context.Background(), clients, "book-42", *timeout)
		for _, err := range errs {
			if labkit.IsTODO(err) {
				return todo(err)
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
	case "failfast":
		quotes, err := im.failFast(ctx, clients, "book-42")
		if labkit.IsTODO(err) {
			return todo(err)
		}
		if err != nil {
			fmt.Fprintf(stdout, "failfast: %v (after %s)\n", err, took())
			return nil
		}
		for i, q := range quotes {
			line(stdout, i, q, nil)
		}
		fmt.Fprintf(stdout, "failfast returned after %s\n", took())
	case "hedged":
		q, err := im.hedged(ctx, clients[0], clients[1], "book-42", *hedge)
		if labkit.IsTODO(err) {
			return todo(err)
		}
		if err != nil {
			fmt.Fprintf(stdout, "hedged: %v (after %s)\n", err, took())
			return nil
		}
		fmt.Fprintf(stdout, "hedged: %s answered %d cents after %s\n", q.GetBackend(), q.GetCents(), took())
	default:
		return fmt.Errorf("-mode=%q: want gather, failfast or hedged", *mode)
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

// start serves b on a loopback port the kernel picks and dials it.
func start(b *backend) (pricev1.PriceServiceClient, func(), error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("listen: %w", err)
	}
	srv := grpc.NewServer()
	pricev1.RegisterPriceServiceServer(srv, b)
	go func() { _ = srv.Serve(lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		srv.Stop()
		return nil, nil, fmt.Errorf("dial: %w", err)
	}
	// Close the client first, then stop the server (see LABS.md).
	return pricev1.NewPriceServiceClient(conn), func() { _ = conn.Close(); srv.Stop() }, nil
}
