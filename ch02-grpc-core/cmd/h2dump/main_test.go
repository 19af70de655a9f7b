package main

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	h2demov1 "github.com/grpclabs/labs/ch02-grpc-core/gen/h2demo/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/demosvc"
	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-nope"},
		{"-impl", "mine", "-target", "127.0.0.1:1"},
		{"-color", "pink", "-target", "127.0.0.1:1"},
		{},                                  // no target
		{"-target", "no-port"},              // not host:port
		{"-target", "127.0.0.1:1", "extra"}, // stray argument
		{"-target", "127.0.0.1:1", "-buffer", "0"},
	} {
		_, _, err := demotest.Run(t.Context(), run, "", args...)
		var ue *demo.UsageError
		if !errors.As(err, &ue) || strings.Contains(err.Error(), "\n") {
			t.Errorf("h2dump %q: %v; want a one-line usage error (exit 2)", args, err)
		}
	}
	_, _, err := demotest.Run(t.Context(), run, "", "-replay", "does-not-exist.h2rec")
	if code := demo.ExitCode("h2dump", err, io.Discard); code != 1 || !strings.Contains(err.Error(), "does-not-exist") {
		t.Errorf("missing replay file: exit %d, %v; want 1 and the file name", code, err)
	}
}

func TestReplayMatchesGolden(t *testing.T) {
	out, _, err := demotest.Run(t.Context(), run, "", "-replay", "../../h2dump/testdata/unary.h2rec")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PREFACE", `{1: "Grace Hopper", 2: 85}`, "graceful shutdown, phase 1", "grpc-status 0 = OK"} {
		if !strings.Contains(out, want) {
			t.Errorf("replay output lacks %q", want)
		}
	}
}

// demoServer is a gRPC server for the proxy to forward to.
func demoServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	h2demov1.RegisterDemoServiceServer(srv, &demosvc.Server{})
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return l.Addr().String()
}

func echo(t *testing.T, addr string) {
	t.Helper()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	resp, err := h2demov1.NewDemoServiceClient(cc).Echo(t.Context(), &h2demov1.EchoRequest{Name: "Grace Hopper", Age: 85})
	if err != nil || resp.GetGreeting() != "Hello, Grace Hopper" {
		t.Fatalf("call through h2dump: %v, %v", resp, err)
	}
}

// TestProxyEndToEnd runs the tool as main would, in process: a gRPC call
// through it works, and HTTP/1.1 garbage is reported without a crash.
func TestProxyEndToEnd(t *testing.T) {
	out := &demotest.Buffer{}
	p := demotest.StartWith(t, demotest.Config{Stdout: out}, run, "-listen", "127.0.0.1:0", "-target", demoServer(t), "-color", "never")
	if !strings.Contains(p.Stderr.String(), "(impl=solution, forwarding to ") {
		t.Errorf("the listening line should name the impl: %q", p.Stderr)
	}
	echo(t, p.Addr)

	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	_, _ = io.Copy(io.Discard, c) // the gRPC server hangs up on HTTP/1.1
	c.Close()

	if err := p.Stop(t); err != nil {
		t.Errorf("h2dump after Ctrl-C: %v, want nil (exit 0)", err)
	}
	for _, want := range []string{`{1: "Grace Hopper", 2: 85}`, "(trailers)", "conn 2", "not an HTTP/2 connection"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dump lacks %q:\n%s", want, out)
		}
	}
}

// stuckStdout is a stdout nobody reads: a FIFO without a reader that
// reads, a paused pager. Every Write waits until the test releases it.
type stuckStdout struct {
	release chan struct{}
	demotest.Buffer
}

func (s *stuckStdout) Write(p []byte) (int, error) {
	<-s.release
	return s.Buffer.Write(p)
}

// TestStuckStdout: while nobody reads the dump, new connections are still
// accepted and their calls forwarded; at exit h2dump says how much of the
// dump it dropped.
func TestStuckStdout(t *testing.T) {
	out := &stuckStdout{release: make(chan struct{})}
	p := demotest.StartWith(t, demotest.Config{Stdout: out}, run, "-listen", "127.0.0.1:0", "-target", demoServer(t), "-buffer", "4096")
	for range 5 { // each a new connection, more dump than 4 KiB holds
		echo(t, p.Addr)
	}
	close(out.release) // the reader is back
	if err := p.Stop(t); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Stderr.String(), "dump records were dropped because stdout was not read fast enough") {
		t.Errorf("stderr should say the dump dropped records: %q", p.Stderr)
	}
	if !strings.Contains(out.String(), "records dropped here") {
		t.Errorf("the dump should mark where records were dropped:\n%.2000s", out)
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("a regular file is not a terminal")
	}
}
