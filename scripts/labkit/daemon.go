package labkit

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// DaemonStartTimeout bounds how long [StartDaemon] waits for a server to be
// ready. Real servers (etcd, MariaDB, Prometheus) start in a second or two on
// a quiet machine and much slower when every core is busy; the bound is
// there to turn a server that never comes up into a failure, not to time it.
const DaemonStartTimeout = 2 * time.Minute

// Daemon is a real server a cross-check test runs from an installed binary
// (found with [LookTool]): its data lives in the test's temporary directory
// and it is stopped when the test ends, so nothing outlives the run.
type Daemon struct {
	Cmd *exec.Cmd
	// Log is the file holding the server's stdout and stderr; a failure
	// to start prints its tail.
	Log string
}

// StartDaemon starts path with args and polls ready until it returns nil,
// the process exits, or [DaemonStartTimeout] passes (each a test failure
// that shows the server's log). The test's cleanup stops the server with
// SIGTERM (os.Kill on Windows), then kills it if it has not exited within
// 10 s.
func StartDaemon(t testing.TB, ready func(ctx context.Context) error, path string, args ...string) *Daemon {
	t.Helper()
	d, err := startDaemon(t, ready, path, args)
	if err != nil {
		t.Fatalf("labkit: %v", err)
	}
	return d
}

// DaemonSpec is what [StartDaemonOnPorts] needs to start a server on a
// given set of ports.
type DaemonSpec struct {
	Path  string
	Args  []string
	Ready func(ctx context.Context) error
}

// StartDaemonOnPorts starts a server that cannot pick its own ports: spec
// is called with n ports that were free a moment ago ([FreePort]). Another
// process may take one before the server binds it; when the server then
// exits saying "address already in use", it is started again on fresh
// ports, up to three times. It returns the daemon and the ports it got.
func StartDaemonOnPorts(t testing.TB, n int, spec func(ports []int) DaemonSpec) (*Daemon, []int) {
	t.Helper()
	var last error
	for range 3 {
		ports := make([]int, n)
		for i := range ports {
			ports[i] = FreePort(t)
		}
		s := spec(ports)
		d, err := startDaemon(t, s.Ready, s.Path, s.Args)
		if err == nil {
			return d, ports
		}
		last = err
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
		t.Logf("labkit: a port of %v was taken before %s bound it; trying others", ports, filepath.Base(s.Path))
	}
	t.Fatalf("labkit: %v", last)
	return nil, nil
}

// startDaemon is StartDaemon returning its failure; the cleanup that stops
// the process is registered either way.
func startDaemon(t testing.TB, ready func(ctx context.Context) error, path string, args []string) (*Daemon, error) {
	logFile, err := os.CreateTemp(t.TempDir(), filepath.Base(path)+"-*.log")
	if err != nil {
		return nil, fmt.Errorf("daemon log: %w", err)
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile // a file: no copying goroutines to leak
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	d := &Daemon{Cmd: cmd, Log: logFile.Name()}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logFile.Close() }()
	t.Cleanup(func() {
		select {
		case err := <-exited:
			exited <- err
			return
		default:
		}
		_ = cmd.Process.Signal(stopSignal)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), DaemonStartTimeout)
	defer cancel()
	var last error
	for wait := 20 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		if last = ready(ctx); last == nil {
			return d, nil
		}
		select {
		case err := <-exited:
			exited <- err
			return nil, fmt.Errorf("%s exited before it was ready (%v); its log:\n%s", filepath.Base(path), err, d.Tail(40))
		case <-ctx.Done():
			return nil, fmt.Errorf("%s was not ready within %v (last check: %v); its log:\n%s", filepath.Base(path), DaemonStartTimeout, last, d.Tail(40))
		case <-time.After(wait):
		}
	}
}

// Tail returns the last n lines of the daemon's log.
func (d *Daemon) Tail(n int) string {
	b, _ := os.ReadFile(d.Log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago, for
// a server that cannot be told to pick its own (port 0) and report it.
// Another process may take it before the server binds, so callers that can
// retry should: [StartDaemon] reports the server's exit with its log.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("labkit: no free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// DialReady is a ready check for a server that listens on TCP: it is ready
// once addr accepts a connection.
func DialReady(addr string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return fmt.Errorf("dial %s: %w", addr, err)
		}
		return c.Close()
	}
}
