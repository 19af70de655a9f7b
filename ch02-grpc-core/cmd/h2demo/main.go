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
	"fmt"

	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("h2demo", run) }

const usage = "h2demo [-impl solution|exercise] [-n N] [-addr host:port] unary|multiplex|flow|http1|serve|record DIR"

func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("h2demo")
	impl := demo.ImplFlag(fs)
	n := fs.Int("n", 5, "concurrent calls (multiplex, http1)")
	addr := fs.String("addr", "127.0.0.1:50052", "listen address for serve")
	if err := demo.Parse(fs, args, usage, 2, stdio.Err); err != nil {
		return err
	}
	im, err := pickImpl(*impl)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return demo.Usagef("say which demo: %s", usage)
	}
	if *n < 1 || *n > 1000 {
		return demo.Usagef("-n must be 1..1000, got %d", *n)
	}
	cmd := fs.Arg(0)
	if (cmd == "record") != (fs.NArg() == 2) {
		if cmd == "record" {
			return demo.Usagef("record needs the output directory, e.g. record ch02-grpc-core/h2dump/testdata")
		}
		return demo.Usagef("unexpected argument %q", fs.Arg(1))
	}
	// The demo's own lines and the proxy's dump share stdout.
	e := &env{out: demo.Locked(stdio.Out), impl: im}
	if cmd != "serve" && cmd != "record" {
		fmt.Fprintf(e.out, "h2demo %s: the frames through h2dump, decoded by impl=%s\n", cmd, *impl)
	}
	switch cmd {
	case "unary":
		return e.unary(ctx)
	case "multiplex":
		return e.multiplex(ctx, *n)
	case "flow":
		return e.flow(ctx)
	case "http1":
		return e.http1(ctx, *n)
	case "serve":
		return serve(ctx, *addr, stdio.Out)
	case "record":
		return record(ctx, fs.Arg(1), stdio.Out)
	}
	return demo.Usagef("unknown demo %q: %s", cmd, usage)
}
