// Command config is the streaming lab's configuration service (2.3,
// "数据同步机制": a server-streaming watch instead of polling): a server for
// ConfigService and a client for its three methods.
//
//	go run ./ch02-grpc-core/cmd/config -serve                      # on 127.0.0.1:7073
//	go run ./ch02-grpc-core/cmd/config -watch db/pool_size         # waits for changes
//	go run ./ch02-grpc-core/cmd/config -set db/pool_size=20        # in another terminal
//	go run ./ch02-grpc-core/cmd/config -get db/pool_size
//
// The server has reflection on, so grpcurl can call every method.
// -impl=exercise runs your handlers instead of the solution's.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/solution"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) { // the flag package has said it already
			fmt.Fprintln(os.Stderr, "config:", err)
		}
		os.Exit(1)
	}
}

// errUsage reports bad flags, which the flag package has already explained.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		serve = fs.Bool("serve", false, "run the config server")
		addr  = fs.String("addr", "127.0.0.1:7073", "server address (to listen on with -serve, to dial otherwise)")
		impl  = fs.String("impl", "solution", "with -serve: whose handlers run, solution or exercise")
		get   = fs.String("get", "", "print the entry for `KEY`")
		set   = fs.String("set", "", "store `KEY=VALUE`")
		watch = fs.String("watch", "", "print `KEY`'s entry, then every change, until Ctrl-C")
	)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	modes := 0
	for _, on := range []bool{*serve, *get != "", *set != "", *watch != ""} {
		if on {
			modes++
		}
	}
	if modes != 1 {
		return errors.New("say exactly one of -serve, -get KEY, -set KEY=VALUE, -watch KEY")
	}
	if *serve {
		store := backend.NewConfigStore()
		var srv streamingv1.ConfigServiceServer
		switch *impl {
		case "solution":
			srv = solution.NewConfigServer(store)
		case "exercise":
			srv = exercise.NewConfigServer(store)
		default:
			return fmt.Errorf("-impl must be solution or exercise, not %q", *impl)
		}
		lis, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "config: serving ConfigService on %s (impl=%s)\n", lis.Addr(), *impl)
		return serveConfig(ctx, lis, srv)
	}

	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	c := streamingv1.NewConfigServiceClient(conn)
	switch {
	case *get != "":
		resp, err := c.GetConfig(ctx, &streamingv1.GetConfigRequest{Key: *get})
		if err != nil {
			return describe(*addr, err)
		}
		printEntry(stdout, resp.GetEntry())
	case *set != "":
		key, value, ok := strings.Cut(*set, "=")
		if !ok {
			return fmt.Errorf("-set wants KEY=VALUE, got %q", *set)
		}
		resp, err := c.SetConfig(ctx, &streamingv1.SetConfigRequest{Key: key, Value: value})
		if err != nil {
			return describe(*addr, err)
		}
		printEntry(stdout, resp.GetEntry())
	case *watch != "":
		stream, err := c.WatchConfig(ctx, &streamingv1.WatchConfigRequest{Key: *watch})
		if err != nil {
			return describe(*addr, err)
		}
		for {
			resp, err := stream.Recv()
			if err != nil {
				return describe(*addr, err)
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

// serveConfig serves until ctx ends. Watches never end by themselves, so
// there is no graceful wait.
func serveConfig(ctx context.Context, lis net.Listener, srv streamingv1.ConfigServiceServer) error {
	g := grpc.NewServer()
	streamingv1.RegisterConfigServiceServer(g, srv)
	reflection.Register(g)
	done := make(chan error, 1)
	go func() { done <- g.Serve(lis) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	g.Stop()
	return <-done
}

func describe(addr string, err error) error {
	s := status.Convert(err)
	switch s.Code() {
	case codes.Canceled:
		return nil // Ctrl-C
	case codes.Unavailable:
		return fmt.Errorf("cannot reach the config server at %s: %s", addr, s.Message())
	}
	return fmt.Errorf("%s: %s", s.Code(), s.Message())
}
