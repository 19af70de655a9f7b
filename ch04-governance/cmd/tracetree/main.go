// Command tracetree is a terminal trace viewer for chapter 4.4: it shows
// each trace as a waterfall, one line per span under its parent, with the
// service, a bar for when the span ran, its duration and its status. No
// Jaeger needed.
//
//	go run ./ch04-governance/cmd/tracetree -listen=127.0.0.1:4317      # an OTLP/gRPC receiver
//	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317 OTEL_EXPORTER_OTLP_INSECURE=true \
//	    go run ./ch04-governance/cmd/checkout                           # in another terminal
//
//	go run ./ch04-governance/cmd/checkout > spans.json                  # the stdout exporter's JSON
//	go run ./ch04-governance/cmd/tracetree -file=spans.json              # ... read back
//
// With -listen it prints a trace once its root and every parent have
// arrived and nothing new came for -quiet, or after -max-wait with the
// missing parents marked; on Ctrl-C it prints whatever is still waiting.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch04-governance/tracetree"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("tracetree", run) }

func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("tracetree")
	listen := fs.String("listen", "", "serve OTLP/gRPC on this host:port and print traces as they finish (4317 is the standard port)")
	file := fs.String("file", "", "read the OpenTelemetry stdout exporter's JSON from this file (- for stdin)")
	quiet := fs.Duration("quiet", 2*time.Second, "with -listen: print a complete trace once no span arrived for this long")
	maxWait := fs.Duration("max-wait", 30*time.Second, "with -listen: print a trace after this long even if parents are missing")
	if err := demo.Parse(fs, args, "tracetree -listen=HOST:PORT | -file=FILE", 0, stdio.Err); err != nil {
		return err
	}
	switch {
	case (*listen == "") == (*file == ""):
		return demo.Usagef("give exactly one of -listen and -file")
	case *quiet <= 0 || *maxWait <= 0:
		return demo.Usagef("-quiet and -max-wait must be positive")
	case *file != "":
		return readFile(*file, stdio)
	}

	var out sync.Mutex
	print := func(t *tracetree.Trace) {
		out.Lock()
		defer out.Unlock()
		t.Render(stdio.Out)
		fmt.Fprintln(stdio.Out)
	}
	recv := tracetree.NewReceiver(*quiet, *maxWait, print)
	err := demo.Serve(ctx, demo.Server{
		Addr:     *listen,
		Out:      stdio.Out,
		Register: func(g *grpc.Server) { coltracepb.RegisterTraceServiceServer(g, recv) },
		Grace:    5 * time.Second,
	})
	recv.Flush()
	return err
}

func readFile(name string, stdio demo.IO) error {
	var r io.Reader = stdio.In
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	spans, readErr := tracetree.ReadJSON(r)
	for _, t := range tracetree.Assemble(spans) {
		if err := t.Render(stdio.Out); err != nil {
			return err
		}
		fmt.Fprintln(stdio.Out)
	}
	if readErr != nil {
		return fmt.Errorf("%s: %w", name, readErr)
	}
	if len(spans) == 0 {
		return errors.New(name + " holds no spans (is it the stdout exporter's output?)")
	}
	return nil
}
