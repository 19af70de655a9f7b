// Package demo holds what every program under chNN-*/cmd/ does the same way,
// so each program is only what it demonstrates:
//
//   - [Main] turns a run function into a process: the first SIGINT or SIGTERM
//     cancels its context (a graceful stop), a second one exits at once,
//     errors become one line on stderr and exit status 1, bad usage exit 2.
//   - [Serve] runs a gRPC server the way a production service starts and
//     stops: reflection and the health service on, the real address printed,
//     then NOT_SERVING, a drain with a grace limit, and a hard stop.
//   - [Pick] chooses the solution's or the learner's code for -impl.
//   - [Start] and [Net.Serve] run the servers of a demo that is its own
//     client; [NetFrom] gives them loopback TCP, or in-memory pipes when a
//     test asked with [WithMemNet], so the test can run the whole demo in a
//     testing/synctest bubble, on a fake clock.
//
// A program's run function takes its context, arguments and standard
// streams, so its tests call it in-process (see package demotest). It says
// which implementation runs (impl=solution or impl=exercise) in its first
// line, and returns an error when what it demonstrates fails: exit 1.
package demo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// IO is a program's standard streams; tests pass their own.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// Std is the process's own streams.
func Std() IO { return IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr} }

// RunFunc is a program without the process around it.
type RunFunc func(ctx context.Context, args []string, stdio IO) error

// Main runs run as the process named name and exits with its status:
// 0 for success or -h, 2 for a [UsageError], 1 for any other error, which
// is printed as "name: error". The first SIGINT or SIGTERM cancels ctx; a
// second one kills the process at once (default signal behaviour).
//
// A program started by `go run` is a child of the go command, and go run
// does not pass SIGTERM on: `kill <pid of go run>` would leave the program
// running. So when the executable lives in go run's build directory, Main
// also stops the program when its parent goes away.
func Main(name string, run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }() // the second signal is not caught
	if startedByGoRun() {
		ctx = stopWithParent(ctx, time.Second)
	}
	err := run(ctx, os.Args[1:], Std())
	stop()
	os.Exit(ExitCode(name, err, os.Stderr))
}

// ExitCode reports err on stderr the way [Main] does and returns the exit
// status for it.
func ExitCode(name string, err error, stderr io.Writer) int {
	var ue *UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s: %v (run with -h for usage)\n", name, err)
		return 2
	default:
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
}

// UsageError is a bad command line: exit status 2, like the flag package's.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a [UsageError].
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// Flags returns a flag set that reports its own errors through [Parse]
// instead of printing them, so a program says what is wrong exactly once.
func Flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// Parse parses args with fs. -h prints usage (a line, then the flags) on
// stderr and returns flag.ErrHelp; a bad flag is a [UsageError]. When
// maxArgs >= 0, more positional arguments than that are a UsageError too.
func Parse(fs *flag.FlagSet, args []string, usage string, maxArgs int, stderr io.Writer) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "usage: %s\n\nflags:\n", strings.TrimSpace(usage))
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			fs.SetOutput(io.Discard)
			return err
		}
		return &UsageError{Msg: err.Error()}
	}
	if maxArgs >= 0 && fs.NArg() > maxArgs {
		return Usagef("unexpected argument %q", fs.Arg(maxArgs))
	}
	return nil
}

// Impls are the names -impl takes.
const (
	Solution = "solution"
	Exercise = "exercise"
)

// ImplFlag adds the -impl flag every program has.
func ImplFlag(fs *flag.FlagSet) *string {
	return fs.String("impl", Solution, "whose code runs: solution (the reference) or exercise (yours)")
}

// Pick returns solution or exercise for an -impl value.
func Pick[T any](impl string, solution, exercise T) (T, error) {
	switch impl {
	case Solution:
		return solution, nil
	case Exercise:
		return exercise, nil
	}
	var zero T
	return zero, Usagef("-impl must be %s or %s, got %q", Solution, Exercise, impl)
}

// startedByGoRun reports whether this executable is one `go run` built:
// go run links into a temporary go-build directory, as .../go-buildNNN/b001/exe/name.
func startedByGoRun() bool {
	exe, err := os.Executable()
	if err != nil {
		return false
	}
	dir := filepath.Dir(exe)
	return filepath.Base(dir) == "exe" && strings.Contains(filepath.ToSlash(dir), "/go-build")
}

// stopWithParent returns a context that ends when this process's parent
// changes (the parent died and the process was re-parented), checked every
// interval. On Windows the parent id never changes, so this never fires.
func stopWithParent(ctx context.Context, interval time.Duration) context.Context {
	ctx, cancel := context.WithCancelCause(ctx)
	parent := os.Getppid()
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if os.Getppid() != parent {
					fmt.Fprintln(os.Stderr, "the go run that started this program has exited; stopping")
					cancel(errors.New("parent process exited"))
					return
				}
			}
		}
	}()
	return ctx
}

// Locked returns w made safe for a program's goroutines to write to at
// once: each Write reaches w whole, never interleaved with another (a
// server's log lines and a demo's own on one stdout).
func Locked(w io.Writer) io.Writer { return &lockedWriter{w: w} }

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
