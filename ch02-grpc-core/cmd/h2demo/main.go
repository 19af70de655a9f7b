// Command h2demo runs the h2dump lab's demos in one process: a DemoService
// server on 127.0.0.1, the h2dump proxy in front of it, and a client, with
// the proxy's dump printed as the calls happen.
//
//	go run ./ch02-grpc-core/cmd/h2demo unary          # one call, every frame
//	go run ./ch02-grpc-core/cmd/h2demo multiplex      # 5 calls on one connection: streams 1, 3, 5, ...
//	go run ./ch02-grpc-core/cmd/h2demo flow           # a 1 MiB message, then a slow reader
//	go run ./ch02-grpc-core/cmd/h2demo http1          # N requests: HTTP/1.1 connections vs HTTP/2
//	go run ./ch02-grpc-core/cmd/h2demo serve          # just the server, on 127.0.0.1:50052
//	go run ./ch02-grpc-core/cmd/h2demo record DIR     # rewrite the lab's testdata recordings
//
// -impl=exercise decodes with your lab code instead of the solution.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("h2demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	impl := fs.String("impl", "solution", "whose lab code decodes frames: solution or exercise")
	n := fs.Int("n", 5, "concurrent calls (multiplex, http1)")
	addr := fs.String("addr", "127.0.0.1:50052", "listen address for serve")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: h2demo [-impl solution|exercise] [-n N] unary|multiplex|flow|http1|serve|record DIR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	im, err := pickImpl(*impl)
	if err != nil {
		fmt.Fprintln(stderr, "h2demo:", err)
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	if *n < 1 || *n > 1000 {
		fmt.Fprintf(stderr, "h2demo: -n must be 1..1000, got %d\n", *n)
		return 2
	}
	// The demo's own lines and the proxy's dump share stdout.
	e := &env{out: &lockedWriter{w: stdout}, impl: im}
	switch cmd := fs.Arg(0); cmd {
	case "unary":
		err = e.unary(ctx)
	case "multiplex":
		err = e.multiplex(ctx, *n)
	case "flow":
		err = e.flow(ctx)
	case "http1":
		err = e.http1(ctx, *n)
	case "serve":
		err = serve(ctx, *addr, stderr)
	case "record":
		if fs.NArg() != 2 {
			fmt.Fprintln(stderr, "h2demo: record needs the output directory, e.g. record ch02-grpc-core/h2dump/testdata")
			return 2
		}
		err = record(ctx, fs.Arg(1), stdout)
	default:
		fmt.Fprintf(stderr, "h2demo: unknown demo %q\n", cmd)
		fs.Usage()
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "h2demo:", err)
		return 1
	}
	return 0
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
