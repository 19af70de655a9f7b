// Command h2dump is a transparent TCP proxy that prints every HTTP/2 frame
// going through it, both ways: the frame header and flags, SETTINGS,
// flow-control windows, PING round trips, GOAWAY and RST_STREAM codes,
// HPACK-decoded headers, and each gRPC message decoded without its schema.
// It speaks plaintext HTTP/2 (h2c with prior knowledge, as grpc-go does with
// insecure credentials) and forwards the bytes untouched.
//
//	go run ./ch01-overview/cmd/userserver                       # a gRPC server on :50051
//	go run ./ch02-grpc-core/cmd/h2dump -listen 127.0.0.1:7001 -target 127.0.0.1:50051
//	go run ./ch01-overview/cmd/userclient -addr 127.0.0.1:7001 -id 42
//
// -json prints one JSON object per line: for a frame at least "seq", "t"
// (seconds since start), "conn", "dir" ("c2s" or "s2c"), "type" (the RFC
// 9113 name; the client preface appears as "PREFACE"), "stream", "length"
// and "flags" (the raw byte), plus what was decoded ("flag_names",
// "settings", "headers", "messages", "window", "rtt_ms", "error_code", ...);
// lines about connections carry "event" instead. -impl=exercise runs your lab code
// (ch02-grpc-core/h2dump/exercise) instead of the solution; -replay FILE
// dumps a recording (ch02-grpc-core/h2dump/testdata/*.h2rec) without a network.
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
	"sync"
	"time"

	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/dump"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/solution"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil))
}

// run is main without the process: tests call it with their own context
// and get the listener's address through ready.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(addr string)) int {
	fs := flag.NewFlagSet("h2dump", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:7001", "address to accept gRPC clients on")
	target := fs.String("target", "", "address of the gRPC server to forward to (required unless -replay)")
	asJSON := fs.Bool("json", false, "print one JSON object per frame")
	impl := fs.String("impl", "solution", "whose lab code decodes frames: solution or exercise")
	color := fs.String("color", "auto", "colour streams: auto (a terminal without NO_COLOR), always, never")
	replay := fs.String("replay", "", "dump a recording file instead of proxying")
	record := fs.String("record", "", "also write each connection's raw bytes to FILE.<conn>.h2rec")
	queue := fs.Int("queue", 1024, "read chunks the decoder may lag behind before it drops a connection's dump")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "h2dump: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	var im dump.Impl
	switch *impl {
	case "solution":
		im = solution.Impl()
	case "exercise":
		im = exercise.Impl()
	default:
		fmt.Fprintf(stderr, "h2dump: -impl must be solution or exercise, not %q\n", *impl)
		return 2
	}
	useColor := false
	switch *color {
	case "always":
		useColor = true
	case "never":
	case "auto":
		f, ok := stdout.(*os.File)
		useColor = ok && os.Getenv("NO_COLOR") == "" && isTerminal(f)
	default:
		fmt.Fprintf(stderr, "h2dump: -color must be auto, always or never, not %q\n", *color)
		return 2
	}
	out := &lockedWriter{w: stdout}
	d := dump.New(dump.Options{Impl: im, Out: out, JSON: *asJSON, Color: useColor})

	if *replay != "" {
		f, err := os.Open(*replay)
		if err != nil {
			fmt.Fprintf(stderr, "h2dump: %v\n", err)
			return 1
		}
		defer f.Close()
		chunks, err := dump.ReadRecording(f)
		if err != nil {
			fmt.Fprintf(stderr, "h2dump: %s: %v\n", *replay, err)
			return 1
		}
		d.Replay(chunks)
		return 0
	}
	if *target == "" {
		fmt.Fprintln(stderr, "h2dump: -target is required (the gRPC server, e.g. -target 127.0.0.1:50051)")
		return 2
	}
	if _, _, err := net.SplitHostPort(*target); err != nil {
		fmt.Fprintf(stderr, "h2dump: -target %q: %v\n", *target, err)
		return 2
	}
	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "h2dump: %v\n", err)
		return 1
	}
	p := &dump.Proxy{Target: *target, Dumper: d, Queue: *queue}
	if *record != "" {
		var mu sync.Mutex
		recs := map[int]*dump.Recorder{}
		p.Record = func(conn int, dir dump.Dir, b []byte, at time.Time) {
			mu.Lock()
			defer mu.Unlock()
			r := recs[conn]
			if r == nil {
				f, err := os.Create(fmt.Sprintf("%s.%d.h2rec", *record, conn))
				if err != nil {
					fmt.Fprintf(stderr, "h2dump: record: %v\n", err)
					r = &dump.Recorder{W: io.Discard}
				} else {
					r = &dump.Recorder{W: f} // closed when the process exits
				}
				recs[conn] = r
			}
			_ = r.Write(dir, b, at)
		}
	}
	fmt.Fprintf(stderr, "h2dump: %s → %s (impl %s); Ctrl-C to stop\n", lis.Addr(), *target, im.Name)
	if ready != nil {
		ready(lis.Addr().String())
	}
	if err := p.Serve(ctx, lis); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "h2dump: %v\n", err)
		return 1
	}
	return 0
}

// lockedWriter lets the tool's own messages and the dump share stdout.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// isTerminal reports whether f is a character device, which a terminal is
// and a pipe or file is not (no x/term dependency for one check).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
