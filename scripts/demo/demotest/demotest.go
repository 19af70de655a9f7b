// Package demotest runs a program's run function in-process, the way the
// programs' own tests need it: in the background, with its output captured,
// stopped by cancelling its context (the stand-in for SIGTERM).
package demotest

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grpclabs/labs/scripts/demo"
)

// Guard bounds every wait on something a broken program may never do. It
// is generous on purpose: on a machine whose cores are all busy, a first
// connection can take seconds, and a test must fail only when the program
// is wrong.
const Guard = 30 * time.Second

// Buffer is a bytes.Buffer that a program's goroutines may write while the
// test reads it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Program is one running program.
type Program struct {
	Addr   string  // from its "listening on ADDR (banner)" line
	Stdout *Buffer // everything it printed, the listening line included
	Stderr *Buffer
	stop   context.CancelFunc
	done   chan error
}

// Start runs run with args in the background and waits until it prints
// "listening on ADDR" on stdout or stderr. The test's cleanup stops it (if
// the test did not) and fails the test if it does not return within Guard.
func Start(t testing.TB, run demo.RunFunc, args ...string) *Program {
	t.Helper()
	return StartWith(t, Config{}, run, args...)
}

// Config changes how [StartWith] runs a program.
type Config struct {
	// Stdout, when set, receives the program's standard output instead of
	// Program.Stdout: a test of what a program does when its reader stops
	// reading passes a writer that blocks. The "listening on" line is then
	// looked for on stderr only.
	Stdout io.Writer
}

// StartWith is [Start] with a Config.
func StartWith(t testing.TB, cfg Config, run demo.RunFunc, args ...string) *Program {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &Program{Stdout: &Buffer{}, Stderr: &Buffer{}, stop: cancel, done: make(chan error, 1)}
	addr := make(chan string, 1)
	var stdout io.Writer = &lines{buf: p.Stdout, addr: addr}
	if cfg.Stdout != nil {
		stdout = cfg.Stdout
	}
	go func() {
		p.done <- run(ctx, args, demo.IO{In: strings.NewReader(""), Out: stdout, Err: &lines{buf: p.Stderr, addr: addr}})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-p.done:
		case <-time.After(Guard):
			t.Errorf("%v: the program did not stop within %v of its signal", args, Guard)
		}
	})
	select {
	case p.Addr = <-addr:
	case err := <-p.done:
		p.done <- err
		t.Fatalf("%v: the program returned %v before printing \"listening on\"; stderr:\n%s", args, err, p.Stderr)
	case <-time.After(Guard):
		t.Fatalf("%v: no \"listening on\" line within %v; stderr:\n%s", args, Guard, p.Stderr)
	}
	return p
}

// lines copies a program's output to buf and sends the address of its
// first "listening on ADDR (banner)" line to addr.
type lines struct {
	buf     *Buffer
	addr    chan<- string
	mu      sync.Mutex
	partial []byte
}

func (l *lines) Write(b []byte) (int, error) {
	l.buf.Write(b)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, b...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			return len(b), nil
		}
		if a, ok := strings.CutPrefix(string(l.partial[:i]), "listening on "); ok {
			a, _, _ = strings.Cut(a, " ") // the banner follows the address
			select {
			case l.addr <- a:
			default:
			}
		}
		l.partial = l.partial[i+1:]
	}
}

// Signal sends the program its stop signal (cancels its context) without
// waiting: a test can watch the shutdown, then [Program.Wait] for it.
func (p *Program) Signal() { p.stop() }

// Wait returns what run returned, failing the test if it does not return
// within Guard.
func (p *Program) Wait(t testing.TB) error {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err // the cleanup reads it too
		return err
	case <-time.After(Guard):
		t.Fatalf("the program did not return within %v", Guard)
		return nil
	}
}

// Stop signals the program and returns what run returned.
func (p *Program) Stop(t testing.TB) error {
	t.Helper()
	p.Signal()
	return p.Wait(t)
}

// Run runs a program that ends by itself (a client, a one-shot demo) and
// returns its output and error.
func Run(ctx context.Context, run demo.RunFunc, stdin string, args ...string) (stdout, stderr string, err error) {
	var o, e Buffer
	err = run(ctx, args, demo.IO{In: strings.NewReader(stdin), Out: &o, Err: &e})
	return o.String(), e.String(), err
}

// AsProgramEnv names the program a test binary is to run as: see [MainAs].
const AsProgramEnv = "DEMOTEST_RUN_AS"

// MainAs, called first in a test's TestMain, makes the test binary run as
// the program name itself when [Command] started it. A test can then
// measure, signal or kill -9 a real process of the program, without
// building one.
func MainAs(name string, run demo.RunFunc) {
	if os.Getenv(AsProgramEnv) == name {
		demo.Main(name, run)
	}
}

// Command returns a command that runs the test binary as the program name
// (see [MainAs]) with args.
func Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), AsProgramEnv+"="+name)
	return cmd
}
