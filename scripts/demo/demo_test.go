package demo_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
)

// roleEnv makes the test binary play a part in TestStopWithParent.
const roleEnv = "DEMO_TEST_ROLE"

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "parent": // start the child, wait until it watches us, then die
		ready, w, err := os.Pipe()
		if err != nil {
			os.Exit(3)
		}
		child := exec.Command(os.Args[0])
		child.Env = append(os.Environ(), roleEnv+"=child")
		child.Stdout, child.ExtraFiles = os.Stdout, []*os.File{w}
		if err := child.Start(); err != nil {
			os.Exit(3)
		}
		w.Close()
		io.ReadAll(ready) // the child closes its end once it watches
		os.Exit(0)        // orphan it
	case "child":
		ctx := demo.StopWithParent(context.Background(), 10*time.Millisecond)
		os.NewFile(3, "ready").Close()
		<-ctx.Done()
		fmt.Println("stopped:", context.Cause(ctx))
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// TestStopWithParent: a program whose parent (go run) dies stops by
// itself, as `go run ... &` then `kill %1` needs: go run does not pass
// SIGTERM on. Real processes: a parent that starts a child and exits.
func TestStopWithParent(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a parent's exit is not seen on Windows (see stopWithParent)")
	}
	out, w, err := os.Pipe() // not StdoutPipe: Wait would close it with the parent
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), roleEnv+"=parent")
	cmd.Stdout = w
	err = cmd.Run()
	w.Close() // the orphan holds the only write end left
	if err != nil {
		t.Fatalf("the parent: %v", err)
	}
	line := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(out) // until the orphan exits too
		line <- string(b)
	}()
	select {
	case got := <-line:
		if !strings.HasPrefix(got, "stopped: parent process exited") {
			t.Errorf("the orphaned child printed %q, want it to stop because its parent exited", got)
		}
	case <-time.After(demotest.Guard):
		t.Fatalf("the child did not stop within %v of its parent's exit", demotest.Guard)
	}
}

// serveRun is a minimal program: a server with one named health service.
func serveRun(grace time.Duration) demo.RunFunc {
	return func(ctx context.Context, args []string, stdio demo.IO) error {
		fs := demo.Flags("serve")
		addr := fs.String("addr", "127.0.0.1:0", "")
		if err := demo.Parse(fs, args, "serve [-addr host:port]", 0, stdio.Err); err != nil {
			return err
		}
		return demo.Serve(ctx, demo.Server{Addr: *addr, Services: []string{"svc"}, Grace: grace, Out: stdio.Out})
	}
}

func dial(t *testing.T, addr string) healthpb.HealthClient {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return healthpb.NewHealthClient(conn)
}

func TestServe(t *testing.T) {
	p := demotest.Start(t, serveRun(time.Minute))
	hc := dial(t, p.Addr)
	ctx, cancel := context.WithTimeout(t.Context(), demotest.Guard)
	defer cancel()
	for _, name := range []string{"", "svc"} {
		resp, err := hc.Check(ctx, &healthpb.HealthCheckRequest{Service: name}, grpc.WaitForReady(true))
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("health %q = %v, %v; want SERVING", name, resp, err)
		}
	}
	// A Watch is a stream that never ends by itself: the shutdown must
	// first tell it NOT_SERVING, then wait for it (grace is a minute here).
	w, err := hc.Watch(ctx, &healthpb.HealthCheckRequest{Service: "svc"})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := w.Recv(); err != nil || m.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("first watch message = %v, %v", m, err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- p.Stop(t) }()
	if m, err := w.Recv(); err != nil || m.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("after the stop signal the watch got %v, %v; want NOT_SERVING", m, err)
	}
	select {
	case err := <-stopped:
		t.Fatalf("Serve returned (%v) while a stream was still open and within its grace", err)
	default:
	}
	cancel() // the client leaves; the drain can finish
	if err := <-stopped; err != nil {
		t.Fatalf("Serve = %v after a clean shutdown, want nil", err)
	}
}

func TestServeGraceCutsStreams(t *testing.T) {
	p := demotest.Start(t, serveRun(time.Millisecond))
	hc := dial(t, p.Addr)
	w, err := hc.Watch(t.Context(), &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Recv(); err != nil {
		t.Fatal(err)
	}
	// The client never leaves: only the grace period can end Serve.
	if err := p.Stop(t); err != nil {
		t.Fatalf("Serve = %v, want nil after cutting the stream", err)
	}
}

func TestServeAddressInUse(t *testing.T) {
	p := demotest.Start(t, serveRun(time.Second))
	_, stderr, err := demotest.Run(t.Context(), serveRun(time.Second), "", "-addr", p.Addr)
	if err == nil || !strings.Contains(err.Error(), "cannot listen") {
		t.Fatalf("second server on %s: err = %v, want \"cannot listen\" (stderr %q)", p.Addr, err, stderr)
	}
	var buf bytes.Buffer
	if code := demo.ExitCode("serve", err, &buf); code != 1 {
		t.Errorf("exit code %d for a listen error, want 1", code)
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-nope"}, 2, "flag provided but not defined: -nope"},
		{[]string{"extra"}, 2, `unexpected argument "extra"`},
		{[]string{"-h"}, 0, ""},
	} {
		_, stderr, err := demotest.Run(t.Context(), serveRun(time.Second), "", tc.args...)
		var buf bytes.Buffer
		if code := demo.ExitCode("serve", err, &buf); code != tc.code {
			t.Errorf("%v: exit code %d, want %d (err %v)", tc.args, code, tc.code, err)
		}
		if !strings.Contains(buf.String(), tc.want) {
			t.Errorf("%v: stderr %q, want it to contain %q", tc.args, buf.String(), tc.want)
		}
		if tc.code == 0 && (!errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr, "usage: serve") || !strings.Contains(stderr, "-addr")) {
			t.Errorf("-h: err %v, stderr %q; want ErrHelp and the usage with the flags", err, stderr)
		}
	}
}

func TestPick(t *testing.T) {
	for impl, want := range map[string]string{"solution": "s", "exercise": "e"} {
		if got, err := demo.Pick(impl, "s", "e"); err != nil || got != want {
			t.Errorf("Pick(%q) = %q, %v; want %q", impl, got, err, want)
		}
	}
	var ue *demo.UsageError
	if _, err := demo.Pick("mine", "s", "e"); !errors.As(err, &ue) {
		t.Errorf("Pick(mine) err = %v, want a UsageError", err)
	}
}

func TestBanner(t *testing.T) {
	run := func(ctx context.Context, args []string, stdio demo.IO) error {
		return demo.Serve(ctx, demo.Server{Addr: "127.0.0.1:0", Banner: "impl=exercise", Out: stdio.Out})
	}
	p := demotest.Start(t, run)
	if !strings.HasPrefix(p.Addr, "127.0.0.1:") {
		t.Errorf("Addr = %q, want the address without the banner", p.Addr)
	}
	if line := p.Stdout.String(); line != "listening on "+p.Addr+" (impl=exercise)\n" {
		t.Errorf("stdout = %q, want the address then the banner", line)
	}
}

// TestMemNet: a program's servers on an in-memory Net work inside a
// synctest bubble, where a timeout is exact.
func TestMemNet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := demo.WithMemNet(t.Context())
		n := demo.NetFrom(ctx)
		if !n.InMemory() || demo.NetFrom(t.Context()).InMemory() {
			t.Fatal("NetFrom: want in-memory only under WithMemNet")
		}
		lis, err := n.Listen("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srvCtx, stop := context.WithCancel(ctx)
		served := make(chan error, 1)
		go func() { served <- demo.Serve(srvCtx, demo.Server{Listener: lis, Grace: time.Second}) }()
		conn, err := n.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		callCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		w, err := healthpb.NewHealthClient(conn).Watch(callCtx, &healthpb.HealthCheckRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err = w.Recv(); err != nil {
				break
			}
		}
		if took := time.Since(start); took != 3*time.Second {
			t.Errorf("the watch ended after %v, want exactly its 3s deadline (fake time)", took)
		}
		if _, err := n.DialContext(ctx, "tcp", "mem-99"); err == nil {
			t.Error("dialling an address nobody listens on succeeded")
		}
		conn.Close()
		stop()
		if err := <-served; err != nil {
			t.Fatal(err)
		}
	})
}

func TestStart(t *testing.T) {
	lis, stop, err := demo.Start(demo.Server{Addr: "127.0.0.1:0", Grace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	hc := dial(t, lis.Addr().String())
	if resp, err := hc.Check(t.Context(), &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true)); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health = %v, %v; want SERVING", resp, err)
	}
	if err := stop(); err != nil {
		t.Fatalf("stop = %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("a second stop = %v, want the same nil", err)
	}
	if _, _, err := demo.Start(demo.Server{Addr: "256.0.0.1:0"}); err == nil || !strings.Contains(err.Error(), "cannot listen") {
		t.Fatalf("Start on a bad address: %v, want \"cannot listen\"", err)
	}
}

// TestLocked: writes from many goroutines arrive whole.
func TestLocked(t *testing.T) {
	var buf bytes.Buffer
	w := demo.Locked(&buf)
	done := make(chan struct{})
	for i := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 100 {
				fmt.Fprintf(w, "writer %d says one whole line\n", i)
			}
		}()
	}
	for range 8 {
		<-done
	}
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if !strings.HasSuffix(line, " says one whole line") || !strings.HasPrefix(line, "writer ") {
			t.Fatalf("a line came out mixed: %q", line)
		}
	}
}
