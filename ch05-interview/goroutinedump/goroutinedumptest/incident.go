package goroutinedumptest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	ledgerv1 "github.com/grpclabs/labs/ch05-interview/gen/ledger/v1"
	"github.com/grpclabs/labs/ch05-interview/goroutinedump/dump"
	"github.com/grpclabs/labs/ch05-interview/goroutinedump/incident"
	"github.com/grpclabs/labs/scripts/labkit"
)

// childEnv makes the test binary serve the incident instead of testing.
const childEnv = "GOROUTINEDUMP_INCIDENT"

// serveIncident is the child: the shipped ledger on loopback gRPC, and
// /debug/pprof, until its parent closes stdin. It never returns: goroutines
// deadlocked in the incident cannot be stopped, so the process just exits.
func serveIncident() {
	l := incident.New(map[string]int64{"alice": 100, "bob": 100, "carol": 100})
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("child:", err)
		os.Exit(1)
	}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("child:", err)
		os.Exit(1)
	}
	g := grpc.NewServer()
	ledgerv1.RegisterLedgerServiceServer(g, l)
	go g.Serve(gl)
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index) // goroutine?debug=2, heap, ...
	go http.Serve(hl, mux)
	fmt.Printf("incident grpc=%s http=%s\n", gl.Addr(), hl.Addr())
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// child is the running incident process.
type child struct {
	cmd               *exec.Cmd
	grpcAddr, dumpURL string
	stderr            string // file with the child's stderr (the SIGQUIT dump)
}

// startIncident runs this test binary again as the incident server.
func startIncident(t *testing.T) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{stderr: filepath.Join(t.TempDir(), "stderr")}
	errFile, err := os.Create(c.stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	c.cmd = exec.Command(exe, "-test.run=^"+t.Name()+"$")
	c.cmd.Env = append(os.Environ(), childEnv+"=1")
	c.cmd.Stderr = errFile
	stdin, err := c.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		c.cmd.Process.Kill()
		c.cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- l
		io.Copy(io.Discard, stdout)
	}()
	select {
	case l := <-line:
		if _, err := fmt.Sscanf(strings.TrimSpace(l), "incident grpc=%s http=%s", &c.grpcAddr, &c.dumpURL); err != nil {
			t.Fatalf("the incident process said %q: %v", l, err)
		}
		c.dumpURL = "http://" + c.dumpURL + "/debug/pprof/goroutine?debug=2"
	case <-time.After(guard):
		t.Fatal("the incident process did not start")
	}
	return c
}

// dump fetches the child's goroutine dump over HTTP.
func (c *child) dump(t *testing.T) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, c.dumpURL, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", c.dumpURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The places the incident's goroutines end up, and how many of each.
var wantIncident = []struct {
	state, fn string
	count     int
}{
	{"chan receive", "incident.(*Ledger).Watch.func1", 3}, // cancelled watches: the forwarders leaked
	{"sync.Mutex.Lock", "incident.(*Ledger).Transfer", 2}, // the crowd behind alice's lock
	{"sync.Mutex.Lock", "incident.(*Ledger).Balance", 1},  // the overdraft: it holds alice and waits for alice
}

// TestIncident: step 2, the shipped ledger hung and leaked in production.
// The suite replays the traffic on a real process, takes its goroutine
// dump twice (over HTTP, then by SIGQUIT) and asks your ParseDump and
// Stuck where the goroutines are.
func TestIncident(t *testing.T, l Lab) {
	if os.Getenv(childEnv) != "" {
		serveIncident()
	}
	// Stuck must find something in a dump where something is stuck.
	if gs, err := parse(t, l, cannedDump); err == nil && l.Stuck(gs, "example.com/bank") == nil {
		step2.Check(t, labkit.TODO("Stuck"))
	}
	defer http.DefaultClient.CloseIdleConnections()
	c := startIncident(t)
	conn, err := grpc.NewClient(c.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := ledgerv1.NewLedgerServiceClient(conn)

	// 1. Three clients watch bob's balance, then hang up.
	for range 3 {
		ctx, cancel := context.WithCancel(t.Context())
		stream, err := client.Watch(ctx, &ledgerv1.BalanceRequest{Account: "bob"})
		if err == nil {
			_, err = stream.Recv()
		}
		cancel()
		if err != nil {
			t.Fatalf("watch: %v", err)
		}
	}
	// 2. Alice tries to send more than she has; then two more transfers
	// from alice arrive. None of them will ever answer.
	hung, cancelHung := context.WithCancel(t.Context())
	var calls sync.WaitGroup
	defer calls.Wait()
	defer cancelHung()
	calls.Go(func() { client.Transfer(hung, &ledgerv1.TransferRequest{From: "alice", To: "bob", Amount: 1000}) })
	// The overdraft first, so that it is the one holding alice's lock.
	waitScan(t, func() string { return c.dump(t) }, incidentPkg, func(b []brief) bool {
		return count(b, "sync.Mutex.Lock", ".(*Ledger).Balance") == 1
	})
	for range 2 {
		calls.Go(func() { client.Transfer(hung, &ledgerv1.TransferRequest{From: "alice", To: "carol", Amount: 1}) })
	}
	text := waitScan(t, func() string { return c.dump(t) }, incidentPkg, func(b []brief) bool {
		for _, w := range wantIncident {
			if count(b, w.state, w.fn) != w.count {
				return false
			}
		}
		return true
	})

	check := func(t *testing.T, source, text string) {
		gs, err := parse(t, l, text)
		if err != nil {
			t.Fatalf("%s: %v", source, err)
		}
		groups := l.Stuck(gs, incidentPkg)
		t.Logf("%s: %d goroutines, stuck in the ledger:\n%s", source, len(gs), showGroups(groups))
		if len(groups) != len(wantIncident) {
			t.Fatalf("%s: Stuck(dump, %q) = %d groups, want %d:\n%s", source, incidentPkg, len(groups), len(wantIncident), showGroups(groups))
		}
		for i, w := range wantIncident {
			g := groups[i]
			if g.State != w.state || g.Frame.Func != "github.com/grpclabs/labs/ch05-interview/goroutinedump/"+w.fn || g.Count != w.count || len(g.IDs) != w.count ||
				!strings.HasSuffix(filepath.ToSlash(g.Frame.File), "goroutinedump/incident/ledger.go") || g.Frame.Line == 0 {
				t.Errorf("%s: group %d is %+v; want %d goroutines in %q at %s (its file and line), largest group first:\n%s",
					source, i, g, w.count, w.state, w.fn, showGroups(groups))
			}
		}
	}
	t.Run("debug=2", func(t *testing.T) { check(t, "/debug/pprof/goroutine?debug=2", text) })
	t.Run("sigquit", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("no SIGQUIT on Windows: use /debug/pprof/goroutine?debug=2")
		}
		if err := c.cmd.Process.Signal(syscall.SIGQUIT); err != nil {
			t.Fatal(err)
		}
		c.cmd.Wait() // the runtime prints every goroutine, then exits with status 2
		b, err := os.ReadFile(c.stderr)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "SIGQUIT", string(b))
	})
}

func showGroups(gs []dump.Group) string {
	var b strings.Builder
	for _, g := range gs {
		fmt.Fprintf(&b, "  %d in %q at %s (%s:%d)\n", g.Count, g.State, g.Frame.Func, g.Frame.File, g.Frame.Line)
	}
	return b.String()
}
