// Command logtail is the streaming lab's log tail (2.3, 服务器流式RPC,
// "实时日志推送"): a server for LogService.Tail and a client for it.
//
//	go run ./ch02-grpc-core/cmd/logtail -serve -generate 500ms      # fake access log, on 127.0.0.1:7071
//	go run ./ch02-grpc-core/cmd/logtail -serve -file /var/log/syslog
//	go run ./ch02-grpc-core/cmd/logtail -filter ' 5[0-9][0-9] ' -follow
//
// The client prints the stored lines that match -filter (an RE2 regular
// expression), and with -follow keeps printing new ones until Ctrl-C. The
// server has reflection on, so grpcurl can call Tail too. -impl=exercise
// runs your handler instead of the solution's.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

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
			fmt.Fprintln(os.Stderr, "logtail:", err)
		}
		os.Exit(1)
	}
}

// errUsage reports bad flags, which the flag package has already explained.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logtail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		serve    = fs.Bool("serve", false, "run the log server")
		addr     = fs.String("addr", "127.0.0.1:7071", "server address (to listen on with -serve, to dial otherwise)")
		file     = fs.String("file", "", "with -serve: tail this file (polled for appended lines)")
		generate = fs.Duration("generate", 0, "with -serve: append a made-up access-log line at this interval")
		impl     = fs.String("impl", "solution", "with -serve: whose handler runs, solution or exercise")
		filter   = fs.String("filter", "", "client: only lines matching this RE2 regular expression")
		follow   = fs.Bool("follow", false, "client: keep printing new lines until Ctrl-C")
	)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if !*serve {
		return tail(ctx, *addr, *filter, *follow, stdout)
	}
	if (*file == "") == (*generate <= 0) {
		return errors.New("with -serve, give exactly one of -file PATH or -generate INTERVAL")
	}
	store := backend.NewLogStore(0)
	var srv streamingv1.LogServiceServer
	switch *impl {
	case "solution":
		srv = solution.NewLogServer(store)
	case "exercise":
		srv = exercise.NewLogServer(store)
	default:
		return fmt.Errorf("-impl must be solution or exercise, not %q", *impl)
	}
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	source := make(chan error, 1)
	if *file != "" {
		f, err := os.Open(*file)
		if err != nil {
			lis.Close()
			return err
		}
		defer f.Close()
		go func() { source <- tailFile(ctx, f, store, 250*time.Millisecond) }()
	} else {
		go func() { source <- generateLines(ctx, store, *generate) }()
	}
	fmt.Fprintf(stdout, "logtail: serving LogService on %s (impl=%s)\n", lis.Addr(), *impl)
	return serveLogs(ctx, lis, srv, source)
}

// serveLogs serves until ctx ends or the line source fails.
func serveLogs(ctx context.Context, lis net.Listener, srv streamingv1.LogServiceServer, source <-chan error) error {
	g := grpc.NewServer()
	streamingv1.RegisterLogServiceServer(g, srv)
	reflection.Register(g)
	done := make(chan error, 1)
	go func() { done <- g.Serve(lis) }()
	var err error
	select {
	case err = <-done:
		return err
	case err = <-source:
	case <-ctx.Done():
	}
	// Following tails never end by themselves: no graceful wait.
	g.Stop()
	<-done
	return err
}

// tailFile appends f's lines to store, then polls f for more until ctx
// ends. A trailing line without a newline waits for its newline. Polling
// keeps this portable; production tailers use inotify/kqueue.
func tailFile(ctx context.Context, f *os.File, store *backend.LogStore, every time.Duration) error {
	var partial []byte
	buf := make([]byte, 64<<10)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		n, err := f.Read(buf)
		if n > 0 {
			partial = append(partial, buf[:n]...)
			var lines []string
			for {
				i := bytes.IndexByte(partial, '\n')
				if i < 0 {
					break
				}
				lines = append(lines, string(bytes.TrimSuffix(partial[:i], []byte("\r"))))
				partial = partial[i+1:]
			}
			store.Append(lines...)
			continue // read on while there is data
		}
		if err != nil && err != io.EOF {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// generateLines appends a made-up access-log line every interval.
func generateLines(ctx context.Context, store *backend.LogStore, every time.Duration) error {
	methods := []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	paths := []string{"/", "/api/orders", "/api/orders/42", "/api/users", "/healthz", "/static/app.js"}
	codes := []int{200, 200, 200, 200, 201, 204, 301, 404, 500, 503}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			store.Append(fmt.Sprintf("%s %s %s %d %dms",
				now.UTC().Format(time.RFC3339), methods[rand.IntN(len(methods))],
				paths[rand.IntN(len(paths))], codes[rand.IntN(len(codes))], 1+rand.IntN(250)))
		}
	}
}

// tail is the client: print matching lines, and with follow keep going.
func tail(ctx context.Context, addr, filter string, follow bool, stdout io.Writer) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	stream, err := streamingv1.NewLogServiceClient(conn).Tail(ctx, &streamingv1.TailRequest{Filter: filter, Follow: follow})
	if err != nil {
		return describe(addr, err)
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	for {
		line, err := stream.Recv()
		if err == io.EOF {
			return nil // without -follow: every stored match was sent
		}
		if err != nil {
			return describe(addr, err)
		}
		fmt.Fprintf(w, "%6d  %s\n", line.GetSeq(), line.GetText())
		if follow {
			w.Flush() // a person is watching: show each line as it comes
		}
	}
}

func describe(addr string, err error) error {
	s := status.Convert(err)
	switch s.Code() {
	case codes.Canceled:
		return nil // Ctrl-C
	case codes.Unavailable:
		return fmt.Errorf("cannot reach the log server at %s: %s", addr, s.Message())
	}
	return fmt.Errorf("%s: %s", s.Code(), s.Message())
}
