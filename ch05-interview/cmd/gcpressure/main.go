// Command gcpressure runs the gcpressure drill's patient, the profile-page
// service, with net/http/pprof, and drives traffic at it in-process so its
// heap does what it did in production. It prints one line of collector
// counters per -every (Go's jstat -gcutil 1000), read by the drill's
// ReadGC.
//
//	go run ./ch05-interview/cmd/gcpressure                         # the shipped, unbounded cache
//	GODEBUG=gctrace=1 go run ./ch05-interview/cmd/gcpressure        # one line per GC from the runtime
//	GOMEMLIMIT=64MiB GOGC=off go run ./ch05-interview/cmd/gcpressure # the incident: GC runs flat out near the limit
//	go tool pprof -top http://127.0.0.1:6060/debug/pprof/heap       # where the live heap was allocated
//	curl 'http://127.0.0.1:6060/debug/pprof/heap?debug=1' | head    # the text TopInuse reads
//	go run ./ch05-interview/cmd/gcpressure -cache=bounded           # the fix
//	go run ./ch05-interview/cmd/gcpressure -cache=bounded -impl=exercise
//
// Exit status: 0 after a clean stop (Ctrl-C or -duration), 1 when it cannot
// serve, 2 for bad flags.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"github.com/grpclabs/labs/ch05-interview/gcpressure/diag"
	"github.com/grpclabs/labs/ch05-interview/gcpressure/exercise"
	"github.com/grpclabs/labs/ch05-interview/gcpressure/service"
	"github.com/grpclabs/labs/ch05-interview/gcpressure/solution"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("gcpressure", run) }

type impl struct {
	readGC     func() diag.GCStats
	newBounded func(int, time.Duration, func() time.Time) service.Cache
}

var (
	solutionImpl = impl{solution.ReadGC, func(n int, ttl time.Duration, now func() time.Time) service.Cache {
		return solution.NewBounded(n, ttl, now)
	}}
	exerciseImpl = impl{exercise.ReadGC, func(n int, ttl time.Duration, now func() time.Time) service.Cache {
		return exercise.NewBounded(n, ttl, now)
	}}
)

func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("gcpressure")
	addr := fs.String("addr", "127.0.0.1:6060", "`host:port` for the service and /debug/pprof (port 0 picks one)")
	cacheKind := fs.String("cache", "unbounded", "page cache: unbounded (as shipped) or bounded (the fix)")
	size := fs.Int("size", 1000, "pages the bounded cache holds")
	rate := fs.Int("rate", 2000, "requests per second the built-in client sends (0: none)")
	every := fs.Duration("every", time.Second, "how often to print the collector's counters")
	duration := fs.Duration("duration", 0, "stop after this long (0: run until Ctrl-C)")
	which := demo.ImplFlag(fs)
	usage := "gcpressure [-addr host:port] [-cache unbounded|bounded] [-size 1000] [-rate 2000] [-every 1s] [-duration 0] [-impl solution|exercise]"
	if err := demo.Parse(fs, args, usage, 0, stdio.Err); err != nil {
		return err
	}
	im, err := demo.Pick(*which, solutionImpl, exerciseImpl)
	if err != nil {
		return err
	}
	if *rate < 0 || *rate > 1_000_000 || *every <= 0 || *duration < 0 || *size < 1 {
		return demo.Usagef("-rate must be 0 to 1000000, -every and -size positive, -duration not negative")
	}
	var cache service.Cache
	switch *cacheKind {
	case "unbounded":
		cache = service.NewUnbounded()
	case "bounded":
		cache = im.newBounded(*size, 10*time.Minute, nil)
	default:
		return demo.Usagef("-cache must be unbounded or bounded, got %q", *cacheKind)
	}
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	svc := service.New(cache)

	mux := http.NewServeMux()
	mux.Handle("/profile", svc)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen: %w", err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(l) }()
	// Every way out stops the client, waits for it, then stops the server.
	ctx, stop := context.WithCancel(ctx)
	clientDone := make(chan struct{})
	defer func() {
		stop()
		<-clientDone
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	fmt.Fprintf(stdio.Out, "gcpressure (impl=%s, cache=%s): GET http://%s/profile?user=1, profiles on http://%s/debug/pprof/\n", *which, *cacheKind, l.Addr(), l.Addr())
	fmt.Fprintf(stdio.Out, "listening on %s\n", l.Addr())

	// The built-in client: distinct requests, as the mobile app sent them.
	go func() {
		defer close(clientDone)
		if *rate == 0 {
			return
		}
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		perTick := max(1, *rate/100)
		for i := 0; ; {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			for range perTick {
				svc.Page(i%5000, "req="+strconv.Itoa(i))
				i++
			}
		}
	}()

	fmt.Fprintf(stdio.Out, "%8s %8s %10s %10s %10s %8s %8s\n", "time", "cycles", "live", "goal", "in use", "pages", "gc-cpu")
	start, last := time.Now(), im.readGC()
	report := time.NewTicker(*every)
	defer report.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-report.C:
		case err := <-served:
			return fmt.Errorf("serve: %w", err) // the listener failed
		}
		s := im.readGC()
		if s == (diag.GCStats{}) {
			return fmt.Errorf("impl=%s: ReadGC returned nothing yet (ch05-interview/gcpressure/README.md, step 1)", *which)
		}
		fmt.Fprintf(stdio.Out, "%8s %8d %10s %10s %10s %8d %7.1f%%\n",
			time.Since(start).Round(time.Second), s.Cycles-last.Cycles, size2(s.LiveHeap), size2(s.HeapGoal), size2(s.HeapObjects), cache.Len(),
			100*(s.GCCPUSeconds-last.GCCPUSeconds)/every.Seconds())
		last = s
	}
	return nil
}

func size2(b uint64) string { return fmt.Sprintf("%.1fMiB", float64(b)/(1<<20)) }
