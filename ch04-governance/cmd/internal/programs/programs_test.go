package programs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch04-governance/cmd/internal/programs"
	"github.com/grpclabs/labs/ch04-governance/etcdtest"
	greeterv1 "github.com/grpclabs/labs/ch04-governance/gen/greeter/v1"
	"github.com/grpclabs/labs/ch04-governance/greeter"
	"github.com/grpclabs/labs/ch04-governance/registry"
	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
	"github.com/grpclabs/labs/scripts/labkit"
)

func TestMain(m *testing.M) { etcdtest.VerifyTestMain(m) }

// exitCode is what demo.Main would exit with for err.
func exitCode(err error) int { return demo.ExitCode("test", err, &strings.Builder{}) }

func TestDevEtcd(t *testing.T) {
	t.Parallel()
	p := demotest.Start(t, programs.DevEtcd, "-listen", "127.0.0.1:0")
	cli := etcdtest.NewClient(t, p.Addr)
	if _, err := cli.Put(t.Context(), "k", "v"); err != nil {
		t.Fatalf("put to devetcd: %v", err)
	}
	dir := regexp.MustCompile(`data in (\S+) \(removed at exit\)`).FindStringSubmatch(p.Stdout.String())
	if dir == nil {
		t.Fatalf("devetcd did not say where its data is:\n%s", p.Stdout)
	}
	if !strings.Contains(p.Stdout.String(), "etcdctl --endpoints "+p.Addr) {
		t.Errorf("devetcd does not show the etcdctl command for its endpoint:\n%s", p.Stdout)
	}

	// The address is taken: a second one says so and exits 1.
	_, _, err := demotest.Run(t.Context(), programs.DevEtcd, "", "-listen", p.Addr)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "cannot start etcd on "+p.Addr) {
		t.Errorf("a second devetcd on %s: %v; want exit 1 saying it cannot start there", p.Addr, err)
	}

	cli.Close()
	if err := p.Stop(t); err != nil {
		t.Fatalf("devetcd stopped with %v, want a clean stop", err)
	}
	if _, err := os.Stat(dir[1]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary data directory %s is still there after the stop (%v)", dir[1], err)
	}
	if !strings.Contains(p.Stdout.String(), "etcd stopped") {
		t.Errorf("no \"etcd stopped\" line:\n%s", p.Stdout)
	}

	t.Run("kept data", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		p := demotest.Start(t, programs.DevEtcd, "-listen", "127.0.0.1:0", "-data-dir", dir)
		if err := p.Stop(t); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "member")); err != nil {
			t.Errorf("-data-dir %s was not kept: %v", dir, err)
		}
	})
	t.Run("usage", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			code int
		}{{[]string{"-bogus"}, 2}, {[]string{"extra"}, 2}, {[]string{"-listen", "nonsense"}, 1}} {
			_, _, err := demotest.Run(t.Context(), programs.DevEtcd, "", tc.args...)
			if exitCode(err) != tc.code {
				t.Errorf("devetcd %v: %v (exit %d), want exit %d", tc.args, err, exitCode(err), tc.code)
			}
		}
		_, stderr, err := demotest.Run(t.Context(), programs.DevEtcd, "", "-h")
		if exitCode(err) != 0 || !strings.Contains(stderr, "-data-dir") {
			t.Errorf("-h: %v, %q", err, stderr)
		}
	})
}

// startBackend runs cmd/backend against etcd and returns it once it is
// registered.
func startBackend(t *testing.T, etcd, id string, args ...string) *demotest.Program {
	t.Helper()
	return demotest.Start(t, programs.Backend, append([]string{"-etcd", etcd, "-id", id, "-drain", "0s", "-ttl", "2"}, args...)...)
}

func dialBackend(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func registered(t *testing.T, cli *clientv3.Client, svc, id string) (registry.Instance, bool) {
	t.Helper()
	resp, err := cli.Get(t.Context(), registry.Key(svc, id))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) == 0 {
		return registry.Instance{}, false
	}
	inst, err := registry.DecodeEtcd(resp.Kvs[0].Key, resp.Kvs[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	return inst, true
}

func TestBackend(t *testing.T) {
	t.Parallel()
	s := etcdtest.Start(t)
	obs := s.Client(t)
	p := startBackend(t, s.Endpoint(), "b1", "-weight", "3", "-zone", "eu-1a", "-version", "2.0.0")
	inst, ok := registered(t, obs, "greeter", "b1")
	want := registry.Instance{Service: "greeter", ID: "b1", Addr: p.Addr, Version: "2.0.0", Zone: "eu-1a", Weight: 3}
	if !ok || inst != want {
		t.Fatalf("registered %+v (%v), want %+v", inst, ok, want)
	}
	if !strings.Contains(p.Stdout.String(), "impl=solution") {
		t.Errorf("the backend does not say which implementation runs:\n%s", p.Stdout)
	}
	conn := dialBackend(t, p.Addr)
	resp, err := greeterv1.NewGreeterClient(conn).SayHello(t.Context(), &greeterv1.SayHelloRequest{Name: "test"})
	if err != nil || resp.GetBackendId() != "b1" || resp.GetZone() != "eu-1a" {
		t.Fatalf("SayHello = %v, %v; want an answer from b1 in eu-1a", resp, err)
	}
	h, err := healthpb.NewHealthClient(conn).Check(t.Context(), &healthpb.HealthCheckRequest{Service: greeter.ServiceName})
	if err != nil || h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health of %s = %v, %v; want SERVING", greeter.ServiceName, h, err)
	}
	conn.Close()
	if err := p.Stop(t); err != nil {
		t.Fatalf("backend stopped with %v", err)
	}
	if _, ok := registered(t, obs, "greeter", "b1"); ok {
		t.Error("the backend is still registered after a graceful stop")
	}

	t.Run("failing", func(t *testing.T) {
		p := startBackend(t, s.Endpoint(), "bad", "-fail-rate", "1")
		_, err := greeterv1.NewGreeterClient(dialBackend(t, p.Addr)).SayHello(t.Context(), &greeterv1.SayHelloRequest{})
		if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "bad") {
			t.Errorf("a backend with -fail-rate 1 answered %v; want Unavailable naming it", err)
		}
	})
	t.Run("usage", func(t *testing.T) {
		for _, args := range [][]string{{"-weight", "0"}, {"-fail-rate", "2"}, {"-ttl", "0"}, {"-impl", "mine"}, {"-id", "a/b"}, {"-etcd", ""}, {"-bogus"}} {
			_, _, err := demotest.Run(t.Context(), programs.Backend, "", append([]string{"-etcd", s.Endpoint()}, args...)...)
			if exitCode(err) != 2 {
				t.Errorf("backend %v: %v (exit %d), want a usage error (exit 2)", args, err, exitCode(err))
			}
		}
	})
	t.Run("no etcd", func(t *testing.T) {
		_, _, err := demotest.Run(t.Context(), programs.Backend, "", "-etcd", "127.0.0.1:1", "-etcd-timeout", "300ms")
		if exitCode(err) != 1 || !strings.Contains(err.Error(), "cannot reach etcd at 127.0.0.1:1") {
			t.Errorf("backend with no etcd: %v, want exit 1 saying it cannot reach etcd", err)
		}
	})
	t.Run("exercise", func(t *testing.T) {
		// The learner's registrar: the error says what to write next (or,
		// once it is written, the backend registers; both are fine here).
		p, _, err := demotest.Run(t.Context(), withTimeout(programs.Backend, 10*time.Second), "", "-etcd", s.Endpoint(), "-impl", "exercise", "-id", "ex")
		if err != nil && !strings.Contains(err.Error(), "TODO: implement") {
			t.Errorf("backend -impl=exercise: %v (stdout %q)", err, p)
		}
	})
}

// TestBackendKill: a killed backend is what kill -9 leaves behind. Its
// address refuses calls at once, but its key stays in etcd (the lease is
// neither renewed nor revoked) until the TTL runs out.
func TestBackendKill(t *testing.T) {
	t.Parallel()
	s := etcdtest.Shared(t)
	obs := s.Client(t)
	im, _ := programs.PickImpl("solution")
	svc := etcdtest.Unique(t)
	b, err := programs.StartBackend(t.Context(), programs.BackendConfig{
		Instance: registry.Instance{Service: svc, ID: "k1", Weight: 2},
		Etcd:     etcdtest.ClientConfig(s.Endpoint()), TTL: time.Minute, Impl: im,
	})
	if err != nil {
		t.Fatal(err)
	}
	conn := dialBackend(t, b.Instance.Addr)
	client := greeterv1.NewGreeterClient(conn)
	b.Greeter.SetFailRate(1) // changed while it runs
	if _, err := client.SayHello(t.Context(), &greeterv1.SayHelloRequest{}); status.Code(err) != codes.Unavailable {
		t.Fatalf("with fail rate 1: %v, want Unavailable", err)
	}
	b.Greeter.SetFailRate(0)
	if _, err := client.SayHello(t.Context(), &greeterv1.SayHelloRequest{}); err != nil {
		t.Fatal(err)
	}

	b.Kill()
	ctx, cancel := context.WithTimeout(t.Context(), demotest.Guard)
	defer cancel()
	if _, err := client.SayHello(ctx, &greeterv1.SayHelloRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("a call after the kill: %v, want Unavailable", err)
	}
	if _, ok := registered(t, obs, svc, "k1"); !ok {
		t.Error("the kill removed the key: a crashed process cannot revoke its lease")
	}
	if err := b.Leave(t.Context(), 0); err != nil {
		t.Errorf("Leave after Kill: %v, want nothing left to do", err)
	}
}

// withTimeout runs run until it ends or d passes (the stand-in for Ctrl-C).
func withTimeout(run demo.RunFunc, d time.Duration) demo.RunFunc {
	return func(ctx context.Context, args []string, stdio demo.IO) error {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		return run(ctx, args, stdio)
	}
}

// lbclient runs cmd/lbclient with -json and returns its summary.
func lbclient(t *testing.T, etcd string, args ...string) programs.Summary {
	t.Helper()
	stdout, stderr, err := demotest.Run(t.Context(), programs.LBClient, "", append([]string{"-etcd", etcd, "-json", "-c", "1"}, args...)...)
	if err != nil {
		t.Fatalf("lbclient %v: %v\n%s", args, err, stderr)
	}
	// The -json contract, to the field: others' checks parse it.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatalf("lbclient -json printed %q: %v", stdout, err)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if got := strings.Join(keys, ","); got != "by_backend,calls,errors,p50_ms,p99_ms" {
		t.Fatalf("lbclient -json has fields %s, want exactly calls, errors, by_backend, p50_ms, p99_ms", got)
	}
	var sum programs.Summary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "impl=solution") {
		t.Errorf("lbclient -json does not say on stderr which implementation runs: %q", stderr)
	}
	return sum
}

// spreadIs checks a summary against exact counts per backend.
func spreadIs(t *testing.T, what string, sum programs.Summary, want map[string]int) {
	t.Helper()
	if sum.Errors != 0 || fmt.Sprint(sum.ByBackend) != fmt.Sprint(want) {
		t.Errorf("%s: %d errors, calls by backend %v; want no errors and %v", what, sum.Errors, sum.ByBackend, want)
	}
}

// threeBackends starts b3, b2 and b1 with weights 3, 2 and 1.
func threeBackends(t *testing.T, etcd string) map[string]*demotest.Program {
	t.Helper()
	ps := map[string]*demotest.Program{}
	for _, w := range []string{"3", "2", "1"} {
		ps["b"+w] = startBackend(t, etcd, "b"+w, "-weight", w)
	}
	return ps
}

func TestLBClient(t *testing.T) {
	t.Parallel()
	s := etcdtest.Start(t)
	ep := s.Endpoint()
	ps := threeBackends(t, ep)

	spreadIs(t, "round_robin", lbclient(t, ep, "-policy", "round_robin", "-n", "60"), map[string]int{"b1": 20, "b2": 20, "b3": 20})
	spreadIs(t, "grpc:round_robin", lbclient(t, ep, "-policy", "grpc:round_robin", "-n", "60"), map[string]int{"b1": 20, "b2": 20, "b3": 20})
	spreadIs(t, "weighted (from the registered weights)", lbclient(t, ep, "-policy", "weighted", "-n", "60"), map[string]int{"b1": 10, "b2": 20, "b3": 30})
	spreadIs(t, "least_conn, one call at a time", lbclient(t, ep, "-policy", "least_conn", "-n", "60"), map[string]int{"b1": 20, "b2": 20, "b3": 20})
	if sum := lbclient(t, ep, "-policy", "consistent_hash", "-key", "user-42", "-n", "30"); sum.Errors != 0 || len(sum.ByBackend) != 1 {
		t.Errorf("consistent_hash with one key: %v, want all 30 calls on one backend", sum)
	}
	for _, policy := range []string{"p2c", "least_request_experimental", "weighted_round_robin"} {
		sum := lbclient(t, ep, "-policy", policy, "-n", "60", "-c", "4")
		if sum.Calls != 60 || sum.Errors != 0 || len(sum.ByBackend) != 3 || sum.P50ms <= 0 || sum.P99ms < sum.P50ms {
			t.Errorf("%s: %+v; want 60 calls without errors over all three backends, and p99 >= p50 > 0", policy, sum)
		}
	}

	// The text output says the same, for people.
	out, _, err := demotest.Run(t.Context(), programs.LBClient, "", "-etcd", ep, "-n", "30", "-c", "1")
	if err != nil || !strings.Contains(out, "impl=solution policy=round_robin") || !strings.Contains(out, "calls 30, errors 0") {
		t.Errorf("lbclient's text output: %v\n%s", err, out)
	}

	// A backend leaves: the next client sees two.
	if err := ps["b2"].Stop(t); err != nil {
		t.Fatal(err)
	}
	spreadIs(t, "after b2 left", lbclient(t, ep, "-n", "40"), map[string]int{"b1": 20, "b3": 20})

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"-policy", "nope"}, 2, "-policy \"nope\""},
			{[]string{"-n", "0"}, 2, "-n and -c"},
			{[]string{"-impl", "mine"}, 2, "-impl"},
			{[]string{"-service", "nobody", "-timeout", "300ms"}, 1, "no instance of \"nobody\""},
			{[]string{"-etcd", "127.0.0.1:1", "-etcd-timeout", "300ms"}, 1, "cannot reach etcd"},
		} {
			args := append([]string{"-etcd", ep}, tc.args...)
			_, _, err := demotest.Run(t.Context(), programs.LBClient, "", args...)
			if exitCode(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("lbclient %v: %v (exit %d); want exit %d saying %q", tc.args, err, exitCode(err), tc.code, tc.want)
			}
		}
	})
}

// TestDebianEtcd: cmd/backend and cmd/lbclient behave the same against
// Debian's etcd 3.4 (a separate etcd, not the embedded 3.7), as they
// would against any etcd v3 API server.
func TestDebianEtcd(t *testing.T) {
	t.Parallel()
	ep := startDebianEtcd(t, labkit.LookTool(t, "etcd", "etcd-server"))
	obs := etcdtest.NewClient(t, ep)
	ps := threeBackends(t, ep)
	for id := range ps {
		if _, ok := registered(t, obs, "greeter", id); !ok {
			t.Fatalf("%s is not registered in Debian's etcd", id)
		}
	}
	spreadIs(t, "round_robin on etcd 3.4", lbclient(t, ep, "-policy", "round_robin", "-n", "60"), map[string]int{"b1": 20, "b2": 20, "b3": 20})
	spreadIs(t, "weighted on etcd 3.4", lbclient(t, ep, "-policy", "weighted", "-n", "60"), map[string]int{"b1": 10, "b2": 20, "b3": 30})
	if err := ps["b3"].Stop(t); err != nil {
		t.Fatal(err)
	}
	if _, ok := registered(t, obs, "greeter", "b3"); ok {
		t.Error("b3 is still registered in etcd 3.4 after a graceful stop")
	}
	spreadIs(t, "after b3 left, on etcd 3.4", lbclient(t, ep, "-n", "40"), map[string]int{"b1": 20, "b2": 20})
}

// startDebianEtcd runs Debian's etcd with its data in a temporary
// directory on two free ports (labkit retries when another process took
// one first).
func startDebianEtcd(t *testing.T, bin string) string {
	t.Helper()
	var client string
	labkit.StartDaemonOnPorts(t, 2, func(ports []int) labkit.DaemonSpec {
		client = fmt.Sprintf("127.0.0.1:%d", ports[0])
		peer := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
		addr := client
		return labkit.DaemonSpec{
			Path: bin,
			Args: []string{
				"--name", "ci", "--data-dir", t.TempDir(),
				"--listen-client-urls", "http://" + addr, "--advertise-client-urls", "http://" + addr,
				"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
				"--initial-cluster", "ci=" + peer, "--log-level", "warn",
			},
			Ready: func(ctx context.Context) error {
				cli, err := clientv3.New(clientv3.Config{Endpoints: []string{addr}, DialTimeout: time.Second, Logger: zap.NewNop()})
				if err != nil {
					return err
				}
				defer cli.Close()
				ctx, cancel := context.WithTimeout(ctx, time.Second)
				defer cancel()
				_, err = cli.Status(ctx, addr)
				return err
			},
		}
	})
	return client
}
