package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	h2demov1 "github.com/grpclabs/labs/ch02-grpc-core/gen/h2demo/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/demosvc"
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
	} {
		var stderr bytes.Buffer
		if code := run(t.Context(), args, io.Discard, &stderr, nil); code != 2 {
			t.Errorf("h2dump %q exited %d, want 2 (usage error)", args, code)
		}
		if msg := strings.TrimSpace(stderr.String()); msg == "" {
			t.Errorf("h2dump %q printed no reason", args)
		}
	}
	var stderr bytes.Buffer
	if code := run(t.Context(), []string{"-replay", "does-not-exist.h2rec"}, io.Discard, &stderr, nil); code != 1 || !strings.Contains(stderr.String(), "does-not-exist") {
		t.Errorf("missing replay file: exit %d, %q; want 1 and the file name", code, stderr.String())
	}
}

func TestReplayMatchesGolden(t *testing.T) {
	var out bytes.Buffer
	if code := run(t.Context(), []string{"-replay", "../../h2dump/testdata/unary.h2rec"}, &out, io.Discard, nil); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"PREFACE", `{1: "Grace Hopper", 2: 85}`, "graceful shutdown, phase 1", "grpc-status 0 = OK"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("replay output lacks %q", want)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestProxyEndToEnd runs the tool as main would, in process: a gRPC call
// through it works, and HTTP/1.1 garbage is reported without a crash.
func TestProxyEndToEnd(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	h2demov1.RegisterDemoServiceServer(srv, &demosvc.Server{})
	go func() { _ = srv.Serve(l) }()
	defer srv.Stop()

	ctx, cancel := context.WithCancel(t.Context())
	out := &syncBuffer{}
	ready := make(chan string, 1)
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"-listen", "127.0.0.1:0", "-target", l.Addr().String(), "-color", "never"}, out, io.Discard, func(a string) { ready <- a })
	}()
	var addr string
	select {
	case addr = <-ready:
	case code := <-exited:
		t.Fatalf("h2dump exited %d before listening", code)
	}

	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := h2demov1.NewDemoServiceClient(cc).Echo(t.Context(), &h2demov1.EchoRequest{Name: "Grace Hopper", Age: 85})
	cc.Close()
	if err != nil || resp.GetGreeting() != "Hello, Grace Hopper" {
		t.Fatalf("call through h2dump: %v, %v", resp, err)
	}

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	_, _ = io.Copy(io.Discard, c) // the gRPC server hangs up on HTTP/1.1
	c.Close()

	cancel()
	if code := <-exited; code != 0 {
		t.Errorf("h2dump exited %d after Ctrl-C, want 0", code)
	}
	for _, want := range []string{`{1: "Grace Hopper", 2: 85}`, "(trailers)", "conn 2", "not an HTTP/2 connection"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dump lacks %q:\n%s", want, out)
		}
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
