package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
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
		err := run(ctx, []string{"-join", name, "-addr", addr}, demo.IO{In: inR, Out: outW, Err: io.Discard})
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
	case <-time.After(demotest.Guard):
		t.Fatalf("the terminal printed nothing within %v, want %q", demotest.Guard, want)
	}
}

func (term *terminal) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-term.done:
		return err
	case <-time.After(demotest.Guard):
		t.Fatalf("the client did not exit within %v", demotest.Guard)
		return nil
	}
}

func TestChatProgram(t *testing.T) {
	srv := demotest.Start(t, run, "-serve", "-addr", "127.0.0.1:0", "-queue", "16", "-grace", "10ms")
	if !strings.Contains(srv.Stdout.String(), "(impl=solution, ChatService, queue 16, patience 5s)") {
		t.Errorf("server banner %q", srv.Stdout)
	}
	addr := srv.Addr

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

	// A line too long to send is refused on the spot; the next one goes.
	io.WriteString(bob.in, strings.Repeat("x", maxLine+1)+"\nshort again\n")
	bob.expect(t, fmt.Sprintf("* that line is longer than %d bytes: not sent", maxLine))
	alice.expect(t, "[bob] short again")
	carol.expect(t, "[bob] short again")

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

	// A second alice is refused with a reason, said once.
	_, _, err := demotest.Run(t.Context(), run, "", "-join", "alice", "-addr", addr)
	if err == nil || err.Error() != `"alice" is already in the room` {
		t.Fatalf("a second alice: %v, want the room's reason as is", err)
	}

	// The server going away ends alice's client with a reason.
	if err := srv.Stop(t); err != nil {
		t.Fatalf("the server after its signal: %v", err)
	}
	if err := alice.wait(t); err == nil || !strings.Contains(err.Error(), "lost the chat server") {
		t.Fatalf("alice's client after the server stopped: %v, want \"lost the chat server ...\"", err)
	}
}

// TestPaste: one member pastes far more lines than a queue holds; the
// others, reading, get every line and keep their seats. (The room once
// removed them "for reading too slowly".)
func TestPaste(t *testing.T) {
	srv := demotest.Start(t, run, "-serve", "-addr", "127.0.0.1:0", "-queue", "4", "-patience", "30s")
	alice := open(t, t.Context(), srv.Addr, "alice")
	alice.expect(t, "* you joined as alice")
	bob := open(t, t.Context(), srv.Addr, "bob")
	bob.expect(t, "* you joined as bob")
	alice.expect(t, "* bob joined")

	const lines = 200
	var page strings.Builder
	for i := range lines {
		fmt.Fprintf(&page, "pasted line %d\n", i)
	}
	go io.WriteString(alice.in, page.String())
	for i := range lines {
		bob.expect(t, fmt.Sprintf("[alice] pasted line %d", i))
	}
	alice.in.Close()
	if err := alice.wait(t); err != nil {
		t.Fatalf("alice after her paste: %v, want a clean exit", err)
	}
	bob.expect(t, "* alice left")
	bob.in.Close()
	if err := bob.wait(t); err != nil {
		t.Fatalf("bob: %v", err)
	}
}

func TestBadInvocations(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-bogus"},
		{"-serve", "-join", "x"},
		{"-serve", "-impl", "mine"},
		{"-serve", "-queue", "0"},
		{"-join", "x", "extra"},
	} {
		var ue *demo.UsageError
		if _, _, err := demotest.Run(t.Context(), run, "", args...); !errors.As(err, &ue) {
			t.Errorf("chat %q: %v, want a usage error (exit 2)", args, err)
		}
	}
	if _, _, err := demotest.Run(t.Context(), run, "", "-serve", "-addr", "not an address"); err == nil || !strings.Contains(err.Error(), "cannot listen") {
		t.Errorf("-serve on a bad address: %v, want \"cannot listen\"", err)
	}
	// No server: a clear error, not a hang.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	_, _, err = demotest.Run(t.Context(), run, "", "-join", "x", "-addr", addr)
	if err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("joining with no server: %v, want \"cannot reach ...\"", err)
	}
}
