package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// hogLimit bounds how long the CPU hog runs: a forgotten one must not keep
// a shared machine busy for good.
const hogLimit = 30 * time.Minute

// hogSpins counts the hog's rounds, so a test can see that it works.
var hogSpins atomic.Int64

// hog keeps cores busy with spinning goroutines. They live in this
// process, so they end with it whatever happens (Ctrl-C, a crash, a kill):
// nothing is left running.
type hog struct {
	end     func()
	stopped chan struct{}
	timer   *time.Timer
}

// startHog starts n spinning goroutines, which stop when Stop is called
// or limit has passed.
func startHog(n int, limit time.Duration) *hog {
	if runtime.GOMAXPROCS(0) < n+1 {
		// One P more than the hogs, so the runner itself still gets to run.
		runtime.GOMAXPROCS(n + 1)
	}
	done := make(chan struct{})
	var once sync.Once
	h := &hog{end: func() { once.Do(func() { close(done) }) }, stopped: make(chan struct{})}
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				x := 0
				for i := range 1 << 16 {
					x ^= i * i
				}
				hogSpins.Add(1 + int64(x&0)) // x is used, so the loop is not optimised away
			}
		})
	}
	go func() {
		wg.Wait()
		close(h.stopped)
	}()
	h.timer = time.AfterFunc(limit, h.end)
	return h
}

// Stop ends the load and waits until every goroutine has stopped.
func (h *hog) Stop() {
	h.timer.Stop()
	h.end()
	<-h.stopped
}

// Stopped is closed once the load has ended, by Stop or by its limit.
func (h *hog) Stopped() <-chan struct{} { return h.stopped }

// cmdLoad runs a command while every core is kept busy, and exits with the
// command's status. It is how the course proves that nothing flakes on a
// loaded machine, e.g.
//
//	go run ./scripts/lab load -- go test -race -count=20 ./ch03-concurrency/cmd/...
func cmdLoad(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("load", "[-cpus N] [-for D] -- <command> [args]", "Run a command while busy goroutines keep every core (or -cpus of them) at\n"+
		"100 %, for at most -for, and exit with the command's status. Tests that\n"+
		"pass only on an idle machine fail here.")
	cpus := fs.Int("cpus", runtime.NumCPU(), "how many cores to keep busy")
	limit := fs.Duration("for", hogLimit, "stop the load after this long, even if the command still runs")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errFlags
	}
	cmdArgs := fs.Args()
	if len(cmdArgs) == 0 {
		fs.Usage()
		return usagef("load: which command? e.g. `load -- go test -race -count=20 ./ch03-concurrency/cmd/...`")
	}
	if *cpus < 1 || *limit <= 0 {
		return usagef("load: -cpus must be at least 1 and -for positive")
	}
	h := startHog(*cpus, *limit)
	defer h.Stop()
	a.errOut.Printf("%s keeping %s busy (at most %s) while running: %s\n", a.errOut.paint(cyan, "load:"),
		plural(*cpus, "core"), *limit, strings.Join(cmdArgs, " "))
	cmd := exec.CommandContext(ctx, cmdArgs[0], cmdArgs[1:]...)
	cmd.Dir = a.dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, a.out.W, a.errOut.W
	cmd.Env = append(os.Environ(), a.env...)
	gentle(cmd)
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit):
		return exitError{max(exit.ExitCode(), 1)}
	}
	return fmt.Errorf("load: %w", err)
}
