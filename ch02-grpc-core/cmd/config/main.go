// Command config is the streaming lab's configuration service (2.3,
// "数据同步机制": a server-streaming watch instead of polling): a server for
// ConfigService and a client for its three methods.
//
//	go run ./ch02-grpc-core/cmd/config -serve                      # on 127.0.0.1:7073
//	go run ./ch02-grpc-core/cmd/config -watch db/pool_size         # waits for changes
//	go run ./ch02-grpc-core/cmd/config -set db/pool_size=20        # in another terminal
//	go run ./ch02-grpc-core/cmd/config -get db/pool_size
//
// The server has reflection and health on, so grpcurl can call every
// method. -impl=exercise runs your handlers instead of the solution's. Stop
// the server with Ctrl-C: open watches get -grace (2s) to end, then are cut.
//
// Exit status: 0 when the call worked (or the watch was stopped with
// Ctrl-C), 1 when it failed, 2 for bad flags.
package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/solution"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("config", run) }

func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("config")
	var (
		serve = fs.Bool("serve", false, "run the config server")
		addr  = fs.String("addr", "127.0.0.1:7073", "server address (to listen on with -serve, to dial otherwise)")
		impl  = demo.ImplFlag(fs)
		grace = fs.Duration("grace", 2*time.Second, "with -serve: on shutdown, how long open watches may stay before they are cut")
		get   = fs.String("get", "", "print the entry for `KEY`")
		set   = fs.String("set", "", "store `KEY=VALUE`")
		watch = fs.String("watch", "", "print `KEY`'s entry, then every change, until Ctrl-C")
	)
	if err := demo.Parse(fs, args, "config -serve [-addr host:port] [-impl solution|exercise]  |  config [-addr host:port] -get KEY | -set KEY=VALUE | -watch KEY", 0, stdio.Err); err != nil {
		return err
	}
	modes := 0
	for _, on := range []bool{*serve, *get != "", *set != "", *watch != ""} {
		if on {
			modes++
		}
	}
	if modes != 1 {
		return demo.Usagef("say exactly one of -serve, -get KEY, -set KEY=VALUE, -watch KEY")
	}
	if *serve {
		store := backend.NewConfigStore()
		srv, err := demo.Pick[streamingv1.ConfigServiceServer](*impl, solution.NewConfigServer(store), exercise.NewConfigServer(store))
		if err != nil {
			return err
		}
		return serveConfig(ctx, *addr, srv, *grace, *impl, stdio.Out)
	}
	key, value, ok := strings.Cut(*set, "=")
	if *set != "" && !ok {
		return demo.Usagef("-set wants KEY=VALUE, got %q", *set)
	}

	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return demo.Usagef("bad -addr %q: %v", *addr, err)
	}
	defer conn.Close()
	c := streamingv1.NewConfigServiceClient(conn)
	stdout := stdio.Out
	switch {
	case *get != "":
		resp, err := c.GetConfig(ctx, &streamingv1.GetConfigRequest{Key: *get})
		if err != nil {
			return describe(ctx, *addr, err)
		}
		printEntry(stdout, resp.GetEntry())
	case *set != "":
		resp, err := c.SetConfig(ctx, &streamingv1.SetConfigRequest{Key: key, Value: value})
		if err != nil {
			return describe(ctx, *addr, err)
		}
		printEntry(stdout, resp.GetEntry())
	case *watch != "":
		stream, err := c.WatchConfig(ctx, &streamingv1.WatchConfigRequest{Key: *watch})
		if err != nil {
			return describe(ctx, *addr, err)
		}
		for seen := false; ; seen = true {
			resp, err := stream.Recv()
			if err != nil && seen && status.Code(err) == codes.Unavailable {
				// We had the server; it is gone now (stopped, crashed).
				return fmt.Errorf("lost the config server at %s during the watch: %s", *addr, status.Convert(err).Message())
			}
			if err != nil {
				return describe(ctx, *addr, err)
			}
			printEntry(stdout, resp.GetEntry())
		}
	}
	return nil
}

func printEntry(w io.Writer, e *streamingv1.ConfigEntry) {
	if e.GetVersion() == 0 {
		fmt.Fprintf(w, "%s (not set)\n", e.GetKey())
		return
	}
	fmt.Fprintf(w, "%s = %q (version %d)\n", e.GetKey(), e.GetValue(), e.GetVersion())
}

// serveConfig serves srv until ctx ends. A watch never ends by itself, so
// the drain lasts at most grace.
func serveConfig(ctx context.Context, addr string, srv streamingv1.ConfigServiceServer, grace time.Duration, impl string, out io.Writer) error {
	return demo.Serve(ctx, demo.Server{
		Addr:     addr,
		Register: func(g *grpc.Server) { streamingv1.RegisterConfigServiceServer(g, srv) },
		Services: []string{streamingv1.ConfigService_ServiceDesc.ServiceName},
		Grace:    grace,
		Out:      out,
		Banner:   "impl=" + impl + ", ConfigService",
	})
}

// describe turns a call's error into one line; after Ctrl-C there is none.
func describe(ctx context.Context, addr string, err error) error {
	if ctx.Err() != nil {
		return nil // Ctrl-C: the user stopped it, which is not a failure
	}
	s := status.Convert(err)
	switch s.Code() {
	case codes.Unavailable:
		return fmt.Errorf("cannot reach the config server at %s: %s", addr, s.Message())
	}
	return fmt.Errorf("%s: %s", s.Code(), s.Message())
}
