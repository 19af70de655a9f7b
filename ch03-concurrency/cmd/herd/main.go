// Command herd shows a thundering herd and its cure, from the syncprims lab
// (chapter 3.3): it starts a slow BackendService on 127.0.0.1, fires n
// concurrent Gets for one cold key at a fresh read-through cache, and counts
// the backend calls, first with a plain cache and then with Coalesce
// (singleflight) in front of the backend.
//
//	go run ./ch03-concurrency/cmd/herd                  # the solution's code
//	go run ./ch03-concurrency/cmd/herd -impl=exercise   # yours
//	go run ./ch03-concurrency/cmd/herd -n 500 -latency 200ms
package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	syncprimsv1 "github.com/grpclabs/labs/ch03-concurrency/gen/syncprims/v1"
	"github.com/grpclabs/labs/ch03-concurrency/syncprims/exercise"
	"github.com/grpclabs/labs/ch03-concurrency/syncprims/solution"
	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/labkit"
)

func main() { demo.Main("herd", run) }

// impl is the lab code the demo runs.
type impl struct {
	newCache func(func(context.Context, string) (string, error)) interface {
		Get(context.Context, string) (string, error)
	}
	coalesce func(func(context.Context, string) (string, error)) func(context.Context, string) (string, error)
}

var (
	solutionImpl = impl{
		newCache: func(l func(context.Context, string) (string, error)) interface {
			Get(context.Context, string) (string, error)
		} {
			return solution.NewCache(l)
		},
		coalesce: solution.Coalesce,
	}
	exerciseImpl = impl{
		newCache: func(l func(context.Context, string) (string, error)) interface {
			Get(context.Context, string) (string, error)
		} {
			return exercise.NewCache(l)
		},
		coalesce: exercise.Coalesce,
	}
)

// slowBackend answers every Fetch after a fixed latency and counts calls.
type slowBackend struct {
	syncprimsv1.UnimplementedBackendServiceServer
	latency time.Duration
	calls   atomic.Int64
}

func (b *slowBackend) Fetch(ctx context.Context, req *syncprimsv1.FetchRequest) (*syncprimsv1.FetchResponse, error) {
	b.calls.Add(1)
	select {
	case <-time.After(b.latency): // a demo's stand-in for a slow database
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &syncprimsv1.FetchResponse{Value: "value of " + req.GetKey()}, nil
}

// run is main without the process. The backend listens on the Net of ctx:
// loopback TCP, or an in-memory pipe when a test runs it in a synctest bubble.
func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("herd")
	n := fs.Int("n", 100, "concurrent Gets for the one cold key")
	latency := fs.Duration("latency", 100*time.Millisecond, "how long the backend takes per Fetch")
	which := demo.ImplFlag(fs)
	if err := demo.Parse(fs, args, "herd [-impl solution|exercise] [-n 100] [-latency 100ms]", 0, stdio.Err); err != nil {
		return err
	}
	im, err := demo.Pick(*which, solutionImpl, exerciseImpl)
	if err != nil {
		return err
	}
	if *n < 1 || *n > 100_000 || *latency < 0 {
		return demo.Usagef("-n must be 1 to 100000 and -latency not negative")
	}
	out := stdio.Out

	nt := demo.NetFrom(ctx)
	backend := &slowBackend{latency: *latency}
	conn, stop, err := nt.Serve(demo.Server{Register: func(s *grpc.Server) { syncprimsv1.RegisterBackendServiceServer(s, backend) }})
	if err != nil {
		return err
	}
	defer stop()
	load := solution.BackendLoader(syncprimsv1.NewBackendServiceClient(conn))

	fmt.Fprintf(out, "%d concurrent Gets of one cold key, backend latency %v (impl=%s)\n", *n, *latency, *which)
	for _, round := range []struct {
		name string
		load func(context.Context, string) (string, error)
	}{
		{"plain cache", load},
		{"cache + singleflight", im.coalesce(load)},
	} {
		backend.calls.Store(0)
		cache := im.newCache(round.load)
		start := time.Now()
		var wg sync.WaitGroup
		var firstErr atomic.Pointer[error]
		for range *n {
			wg.Go(func() {
				if _, err := cache.Get(ctx, "user:42"); err != nil {
					firstErr.CompareAndSwap(nil, &err)
				}
			})
		}
		wg.Wait()
		if p := firstErr.Load(); p != nil {
			if errors.Is(*p, labkit.ErrTODO) {
				return fmt.Errorf("%s: %w (ch03-concurrency/syncprims/README.md)", round.name, *p)
			}
			return fmt.Errorf("%s: %w", round.name, *p)
		}
		fmt.Fprintf(out, "  %-21s backend calls: %4d   took %v\n", round.name, backend.calls.Load(), time.Since(start).Round(time.Millisecond))
	}
	return nil
}
