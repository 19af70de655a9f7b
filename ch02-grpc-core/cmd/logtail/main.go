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
	"fmt"
	"io"
	"math/rand/v2"
	"os"
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

func main() { demo.Main("logtail", run) }

func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("logtail")
	var (
		serve    = fs.Bool("serve", false, "run the log server")
		addr     = fs.String("addr", "127.0.0.1:7071", "server address (to listen on with -serve, to dial otherwise)")
		file     = fs.String("file", "", "with -serve: tail this file (polled for appended lines)")
		generate = fs.Duration("generate", 0, "with -serve: append a made-up access-log line at this interval")
		impl     = demo.ImplFlag(fs)
		grace    = fs.Duration("grace", 2*time.Second, "with -serve: on shutdown, how long following tails may stay before they are cut")
		filter   = fs.String("filter", "", "client: only lines matching this RE2 regular expression")
		follow   = fs.Bool("follow", false, "client: keep printing new lines until Ctrl-C")
	)
	if err := demo.Parse(fs, args, "logtail -serve (-file PATH | -generate INTERVAL) [-addr host:port] [-impl solution|exercise]  |  logtail [-addr host:port] [-filter RE] [-follow]", 0, stdio.Err); err != nil {
		return err
	}
	if !*serve {
		return tail(ctx, *addr, *filter, *follow, stdio.Out)
	}
	if (*file == "") == (*generate <= 0) {
		return demo.Usagef("with -serve, give exactly one of -file PATH or -generate INTERVAL")
	}
	store := backend.NewLogStore(0)
	srv, err := demo.Pick[streamingv1.LogServiceServer](*impl, solution.NewLogServer(store), exercise.NewLogServer(store))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	source := make(chan error, 1)
	what := ""
	if *file != "" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		what = "tailing " + *file
		go func() { source <- tailFile(ctx, f, store, 250*time.Millisecond) }()
	} else {
		what = fmt.Sprintf("a made-up line every %v", *generate)
		go func() { source <- generateLines(ctx, store, *generate) }()
	}
	return serveLogs(ctx, demo.Server{Addr: *addr, Grace: *grace, Out: stdio.Out, Banner: "impl=" + *impl + ", LogService, " + what}, srv, source)
}

// serveLogs serves srv until ctx ends or the line source fails, and
// returns the source's error.
func serveLogs(ctx context.Context, s demo.Server, srv streamingv1.LogServiceServer, source <-chan error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var srcErr error
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case srcErr = <-source: // nil source: never
			cancel()
		case <-ctx.Done():
		}
	}()
	s.Register = func(g *grpc.Server) { streamingv1.RegisterLogServiceServer(g, srv) }
	s.Services = []string{streamingv1.LogService_ServiceDesc.ServiceName}
	err := demo.Serve(ctx, s)
	cancel()
	<-stopped
	if srcErr != nil {
		return srcErr
	}
	return err
}

// maxLine bounds one stored line: a file without newlines must not grow
// a line without limit, and the store keeps 10 000 lines, so this bounds
// its memory too (40 MB, even for -file /dev/zero).
const maxLine = 4 << 10

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
				next := i + 1
				if i < 0 || i > maxLine {
					if len(partial) < maxLine {
						break // wait for the rest of the line
					}
					i, next = maxLine, maxLine // cut an endless line into pieces
				}
				line := bytes.TrimSuffix(partial[:i], []byte("\r"))
				// A proto string must be UTF-8: one bad byte would break
				// every tail. Show it as U+FFFD instead.
				lines = append(lines, strings.ToValidUTF8(string(line), "\uFFFD"))
				partial = partial[next:]
			}
			partial = append([]byte(nil), partial...) // let the read lines go
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
		// A file truncated under us (logrotate's copytruncate) is read
		// again from its start, instead of waiting past its end forever.
		if pos, err := f.Seek(0, io.SeekCurrent); err == nil {
			if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() < pos {
				if _, err := f.Seek(0, io.SeekStart); err != nil {
					return err
				}
				partial = partial[:0]
			}
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
		return demo.Usagef("bad -addr %q: %v", addr, err)
	}
	defer conn.Close()
	stream, err := streamingv1.NewLogServiceClient(conn).Tail(ctx, &streamingv1.TailRequest{Filter: filter, Follow: follow})
	if err != nil {
		return describe(ctx, addr, err, false)
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	for got := false; ; got = true {
		line, err := stream.Recv()
		if err == io.EOF {
			return nil // without -follow: every stored match was sent
		}
		if err != nil {
			return describe(ctx, addr, err, got)
		}
		fmt.Fprintf(w, "%6d  %s\n", line.GetSeq(), line.GetText())
		if follow {
			w.Flush() // a person is watching: show each line as it comes
		}
	}
}

// describe turns a stream error into one line; after Ctrl-C there is none.
// connected says the server had answered before.
func describe(ctx context.Context, addr string, err error, connected bool) error {
	if ctx.Err() != nil {
		return nil // Ctrl-C: the user stopped it, which is not a failure
	}
	s := status.Convert(err)
	switch {
	case s.Code() == codes.Unavailable && connected:
		return fmt.Errorf("lost the log server at %s during the tail: %s", addr, s.Message())
	case s.Code() == codes.Unavailable:
		return fmt.Errorf("cannot reach the log server at %s: %s", addr, s.Message())
	}
	return fmt.Errorf("%s: %s", s.Code(), s.Message())
}
