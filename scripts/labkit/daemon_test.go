package labkit_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/grpclabs/labs/scripts/labkit"
)

// The test binary doubles as the daemon: with LABKIT_DAEMON set it listens
// on the given address until it is signalled.
func init() {
	addr := os.Getenv("LABKIT_DAEMON")
	if addr == "" {
		return
	}
	if addr == "fail" {
		fmt.Println("daemon: bad config, exiting")
		os.Exit(3)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Println("daemon:", err)
		os.Exit(1)
	}
	fmt.Println("daemon: ready on", l.Addr())
	for {
		c, err := l.Accept()
		if err != nil {
			os.Exit(0)
		}
		c.Close()
	}
}

func selfDaemon(t *testing.T, addr string) (string, []string) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("LABKIT_DAEMON", addr) // inherited by the child
	return exe, []string{"-test.run=^$"}
}

func TestStartDaemon(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", labkit.FreePort(t))
	exe, args := selfDaemon(t, addr)
	var d *labkit.Daemon
	t.Run("run", func(t *testing.T) {
		d = labkit.StartDaemon(t, labkit.DialReady(addr), exe, args...)
		if err := labkit.DialReady(addr)(t.Context()); err != nil {
			t.Fatalf("the daemon is not serving after StartDaemon: %v", err)
		}
		if !strings.Contains(d.Tail(5), "ready on") {
			t.Errorf("log tail %q, want the daemon's own output", d.Tail(5))
		}
	})
	// The subtest's cleanup stopped it: the process is gone.
	if d.Cmd.ProcessState == nil {
		t.Fatal("the daemon was not waited for when its test ended")
	}
	if err := labkit.DialReady(addr)(context.Background()); err == nil {
		t.Error("the daemon still accepts connections after its test ended")
	}
}

func TestStartDaemonExits(t *testing.T) {
	exe, args := selfDaemon(t, "fail")
	ft := &fatalTB{TB: t}
	func() {
		defer func() { recover() }() // fatalTB panics to stop like Fatal would
		labkit.StartDaemon(ft, func(context.Context) error { return errors.New("not yet") }, exe, args...)
	}()
	if !strings.Contains(ft.msg, "exited before it was ready") || !strings.Contains(ft.msg, "bad config") {
		t.Errorf("failure message %q, want the exit and the daemon's log", ft.msg)
	}
}

// fatalTB records Fatalf instead of ending the real test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}

func TestStartDaemonOnPortsRetries(t *testing.T) {
	// The first spec's port is held by the test, so that start fails with
	// "address already in use"; the second gets a free one.
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	exe, args := selfDaemon(t, "")
	calls := 0
	d, ports := labkit.StartDaemonOnPorts(t, 1, func(ports []int) labkit.DaemonSpec {
		calls++
		addr := fmt.Sprintf("127.0.0.1:%d", ports[0])
		ready := labkit.DialReady(addr)
		if calls == 1 {
			// The test's listener would answer the dial: wait for the exit.
			addr = held.Addr().String()
			ready = func(context.Context) error { return errors.New("not yet") }
		}
		t.Setenv("LABKIT_DAEMON", addr)
		return labkit.DaemonSpec{Path: exe, Args: args, Ready: ready}
	})
	if calls != 2 || d == nil || len(ports) != 1 {
		t.Fatalf("calls = %d, daemon %v, ports %v; want a retry after the port race", calls, d, ports)
	}
}
