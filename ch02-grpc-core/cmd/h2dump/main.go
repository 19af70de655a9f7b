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
//
// stdout is the dump and nothing else; the tool's own lines (listening on
// ADDR, what it dropped) go to stderr. A stdout nobody reads (a paused
// pager, a FIFO without a reader) never stalls the traffic: up to -buffer
// bytes of dump wait for it, beyond that whole records are dropped, and
// the dump says how many once the reader is back. A reset on one side is
// passed on to the other as a reset, and the closing summary says so, and
// names a frame the connection ended in the middle of. Stop it with Ctrl-C.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/dump"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/solution"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("h2dump", run) }

const usage = "h2dump -target host:port [-listen host:port] [-json] [-impl solution|exercise] [-color auto|always|never] [-record FILE] [-buffer BYTES]  |  h2dump -replay FILE.h2rec"

// flushTimeout bounds how long h2dump waits at exit for a reader that
// stopped reading to take the rest of the dump.
const flushTimeout = 2 * time.Second

// run is main without the process. The dump goes to stdout; the tool's own
// lines (the listening line, what it dropped) go to stderr, so that
// stdout stays one frame per line with -json.
func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("h2dump")
	listen := fs.String("listen", "127.0.0.1:7001", "address to accept gRPC clients on")
	target := fs.String("target", "", "address of the gRPC server to forward to (required unless -replay)")
	asJSON := fs.Bool("json", false, "print one JSON object per frame")
	impl := demo.ImplFlag(fs)
	color := fs.String("color", "auto", "colour streams: auto (a terminal without NO_COLOR), always, never")
	replay := fs.String("replay", "", "dump a recording file instead of proxying")
	record := fs.String("record", "", "also write each connection's raw bytes to FILE.<conn>.h2rec")
	queue := fs.Int("queue", 1024, "read chunks the decoder may lag behind before it drops a connection's dump")
	buffer := fs.Int("buffer", dump.DefaultOutputBuffer, "bytes of dump held for a reader of stdout that falls behind; beyond that, dump lines are dropped (and counted), never the traffic")
	if err := demo.Parse(fs, args, usage, 0, stdio.Err); err != nil {
		return err
	}
	im, err := demo.Pick(*impl, solution.Impl(), exercise.Impl())
	if err != nil {
		return err
	}
	useColor := false
	switch *color {
	case "always":
		useColor = true
	case "never":
	case "auto":
		f, ok := stdio.Out.(*os.File)
		useColor = ok && os.Getenv("NO_COLOR") == "" && isTerminal(f)
	default:
		return demo.Usagef("-color must be auto, always or never, not %q", *color)
	}
	if *queue < 1 || *buffer < 1 {
		return demo.Usagef("-queue and -buffer must be positive")
	}

	if *replay != "" {
		f, err := os.Open(*replay)
		if err != nil {
			return err
		}
		defer f.Close()
		chunks, err := dump.ReadRecording(f)
		if err != nil {
			return fmt.Errorf("%s: %v", *replay, err)
		}
		// A replay is a file to a reader, like cat: it may wait for it.
		dump.New(dump.Options{Impl: im, Out: stdio.Out, JSON: *asJSON, Color: useColor}).Replay(chunks)
		return nil
	}
	switch _, _, err := net.SplitHostPort(*target); {
	case *target == "":
		return demo.Usagef("-target is required (the gRPC server, e.g. -target 127.0.0.1:50051)")
	case err != nil:
		return demo.Usagef("-target %q: %v", *target, err)
	}
	nt := demo.NetFrom(ctx)
	lis, err := nt.Listen(*listen)
	if err != nil {
		return fmt.Errorf("cannot listen: %w", err)
	}
	// Live traffic: a stdout nobody reads (a paused pager, a FIFO) must
	// cost dump lines, never a stalled connection.
	d := dump.New(dump.Options{Impl: im, Out: stdio.Out, JSON: *asJSON, Color: useColor, Buffer: *buffer})
	p := &dump.Proxy{Target: *target, Dumper: d, Queue: *queue, Dial: nt.DialContext}
	if *record != "" {
		p.Record, p.ConnDone = recorder(*record, stdio.Err)
	}
	fmt.Fprintf(stdio.Err, "listening on %s (impl=%s, forwarding to %s); Ctrl-C to stop\n", lis.Addr(), im.Name, *target)
	serveErr := p.Serve(ctx, lis)

	fctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	dropped, err := d.Close(fctx)
	if dropped > 0 {
		fmt.Fprintf(stdio.Err, "h2dump: %d dump records were dropped because stdout was not read fast enough (every byte was forwarded); -buffer holds more\n", dropped)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintf(stdio.Err, "h2dump: stdout took nothing for %v; the rest of the dump is lost\n", flushTimeout)
	}
	if serveErr != nil && !errors.Is(serveErr, context.Canceled) {
		return serveErr
	}
	return nil
}

// recorder writes each connection's chunks to prefix.<conn>.h2rec and
// closes the file when the connection's dump is done.
func recorder(prefix string, stderr io.Writer) (record func(int, dump.Dir, []byte, time.Time), done func(int)) {
	var mu sync.Mutex
	recs := map[int]*dump.Recorder{}
	files := map[int]*os.File{}
	record = func(conn int, dir dump.Dir, b []byte, at time.Time) {
		mu.Lock()
		defer mu.Unlock()
		r := recs[conn]
		if r == nil {
			f, err := os.Create(fmt.Sprintf("%s.%d.h2rec", prefix, conn))
			if err != nil {
				fmt.Fprintf(stderr, "h2dump: record: %v\n", err)
				r = &dump.Recorder{W: io.Discard}
			} else {
				r, files[conn] = &dump.Recorder{W: f}, f
			}
			recs[conn] = r
		}
		if err := r.Write(dir, b, at); err != nil {
			fmt.Fprintf(stderr, "h2dump: record conn %d: %v; recording of it stops\n", conn, err)
			recs[conn].W = io.Discard
		}
	}
	done = func(conn int) {
		mu.Lock()
		defer mu.Unlock()
		if f := files[conn]; f != nil {
			if err := f.Close(); err != nil {
				fmt.Fprintf(stderr, "h2dump: record conn %d: %v\n", conn, err)
			}
		}
		delete(recs, conn)
		delete(files, conn)
	}
	return record, done
}

// isTerminal reports whether f is a character device, which a terminal is
// and a pipe or file is not (no x/term dependency for one check).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
