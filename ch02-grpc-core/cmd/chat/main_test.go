package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// terminal is one chat client run in process, with pipes for stdin and stdout.
type terminal struct {
	in   *io.PipeWriter
	out  *bufio.Scanner
	done chan error
}

func open(t *testing.T, ctx context.Context, addr, name string) *terminal {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	term := &terminal{in: inW, out: bufio.NewScanner(outR), done: make(chan error, 1)}
	go func() {
		err := run(ctx, []string{"-join", name, "-addr", addr}, inR, outW, io.Discard)
		outW.Close()
		term.done <- err
	}()
	t.Cleanup(func() { inW.Close(); outR.Close() })
	return term
}

func (term *terminal) expect(t *testing.T, want string) {
	t.Helper()
	got := make(chan string, 1)
	go func() {
		if term.out.Scan() {
			got <- term.out.Text()
		} else {
			got <- "<end of output>"
		}
	}()
	select {
	case line := <-got:
		if line != want {
			t.Fatalf("the terminal printed %q, want %q", line, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the terminal printed nothing within 10s, want %q", want)
	}
}

func (term *terminal) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-term.done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not exit within 10s")
		return nil
	}
}

func TestChatProgram(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srvCtx, stopServer := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- serveRoom(srvCtx, lis, solution.NewChatServer(backend.NewRoom(16)), 0) }()
	addr := lis.Addr().String()

	alice := open(t, t.Context(), addr, "alice")
	alice.expect(t, "* you joined as alice")
	bobCtx, bobCtrlC := context.WithCancel(t.Context())
	bob := open(t, bobCtx, addr, "bob")
	bob.expect(t, "* you joined as bob")
	alice.expect(t, "* bob joined")
	carol := open(t, t.Context(), addr, "carol")
	carol.expect(t, "* you joined as carol")
	alice.expect(t, "* carol joined")
	bob.expect(t, "* carol joined")

	io.WriteString(bob.in, "hello from bob\n")
	alice.expect(t, "[bob] hello from bob")
	carol.expect(t, "[bob] hello from bob")

	// End of input: carol leaves with a clean exit.
	carol.in.Close()
	if err := carol.wait(t); err != nil {
		t.Fatalf("after end of input the client returned %v, want nil", err)
	}
	alice.expect(t, "* carol left")
	bob.expect(t, "* carol left")

	// Ctrl-C: bob leaves with a clean exit too.
	bobCtrlC()
	if err := bob.wait(t); err != nil {
		t.Fatalf("after Ctrl-C the client returned %v, want nil", err)
	}
	alice.expect(t, "* bob left")

	// A second alice is refused with a reason.
	err = run(t.Context(), []string{"-join", "alice", "-addr", addr}, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "already in the room") {
		t.Fatalf("a second alice: %v, want an AlreadyExists error", err)
	}

	// The server going away ends alice's client with a reason.
	stopServer()
	if err := <-served; err != nil {
		t.Fatalf("serveRoom: %v", err)
	}
	if err := alice.wait(t); err == nil {
		t.Fatal("alice's client returned nil after the server stopped, want an error saying so")
	}
}

func TestBadInvocations(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-bogus"},
		{"-serve", "-join", "x"},
		{"-serve", "-impl", "mine"},
		{"-join", "x", "extra"},
		{"-serve", "-addr", "not an address"},
	} {
		if err := run(t.Context(), args, strings.NewReader(""), io.Discard, io.Discard); err == nil {
			t.Errorf("chat %q: no error, want one", args)
		}
	}
	// No server: a clear error, not a hang.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	err = run(t.Context(), []string{"-join", "x", "-addr", addr}, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("joining with no server: %v, want \"cannot reach ...\"", err)
	}
}
