// Package balancingtest is the balancing lab's suite. The exercise and the
// solution both run it through their one-screen *_test.go files.
//
// The policies run inside real gRPC channels, choosing among real gRPC
// backends reached over in-memory connections (bufconn), with grpc-go's
// manual resolver (or the in-memory registry's) supplying the endpoints
// and their registry attributes. Where grpc-go has the same policy built
// in, the suite runs it side by side: round_robin must spread calls
// exactly as the lab's round robin does.
package balancingtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/grpclabs/labs/ch04-governance/balancing/hashkey"
	greeterv1 "github.com/grpclabs/labs/ch04-governance/gen/greeter/v1"
	"github.com/grpclabs/labs/ch04-governance/greeter"
	"github.com/grpclabs/labs/ch04-governance/registry"
	"github.com/grpclabs/labs/scripts/labkit"
)

const labID = "ch04-governance/balancing"

var (
	step1 = labkit.Step{Lab: labID, N: 1, What: "the balancer"}
	step2 = labkit.Step{Lab: labID, N: 2, What: "round robin"}
	step3 = labkit.Step{Lab: labID, N: 3, What: "smooth weighted round robin"}
	step4 = labkit.Step{Lab: labID, N: 4, What: "least connections"}
	step5 = labkit.Step{Lab: labID, N: 5, What: "power of two choices"}
	step6 = labkit.Step{Lab: labID, N: 6, What: "consistent hashing"}
)

// owner is the step a TODO belongs to: the balancer's own pieces are
// step 1's, whichever policy's test runs into them.
func owner(step labkit.Step, err error) labkit.Step {
	if msg := err.Error(); strings.Contains(msg, "builder.Build") || strings.Contains(msg, "shardedBalancer.") {
		return step1
	}
	return step
}

// check is step.Check with the TODO reported as its owner's.
func check(t *testing.T, step labkit.Step, err error) error {
	t.Helper()
	if labkit.IsTODO(err) {
		owner(step, err).Check(t, err)
	}
	return err
}

// require is step.Require with the TODO reported as its owner's.
func require(t *testing.T, step labkit.Step, err error) {
	t.Helper()
	if err != nil {
		owner(step, err).Require(t, err)
	}
}

// probe stops the test with the TODO message while policy is not
// written, before the test builds anything bigger.
func probe(t *testing.T, step labkit.Step, policy string) {
	t.Helper()
	f := newFleet(t, "probe")
	c := f.client(t, policy, newResolver(f.state("probe")))
	_, err := call(t.Context(), c, "")
	check(t, step, err)
}

// Lab is the names an implementation registered its policies under.
type Lab struct {
	FirstReady, RoundRobin, Weighted, LeastConn, P2C, ConsistentHash string
}

// wait bounds every wait on something a correct balancer does at once
// (a connection, a health update); only a broken one reaches it.
const wait = 30 * time.Second

// backend is a greeter server on bufconn that can hold calls: a call
// named "hold" waits until the test releases it, then fails (so the
// policies' Done callbacks run on failed calls too).
type backend struct {
	greeterv1.UnimplementedGreeterServer
	id, addr string
	lis      *bufconn.Listener
	hs       *health.Server
	inflight atomic.Int64
	release  chan struct{} // one token releases one held call
}

func (b *backend) SayHello(ctx context.Context, req *greeterv1.SayHelloRequest) (*greeterv1.SayHelloResponse, error) {
	if req.GetName() == "hold" {
		b.inflight.Add(1)
		defer b.inflight.Add(-1)
		select {
		case <-b.release:
			return nil, status.Error(codes.Aborted, "released by the test")
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	return &greeterv1.SayHelloResponse{BackendId: b.id}, nil
}

// fleet is a set of backends and the dialer that reaches them.
type fleet struct {
	byID   map[string]*backend
	byAddr map[string]*backend
}

// newFleet starts one backend per id at address "<id>.lab:50051". They
// stop when the test ends, after the clients made later have closed.
func newFleet(t testing.TB, ids ...string) *fleet {
	t.Helper()
	f := &fleet{byID: map[string]*backend{}, byAddr: map[string]*backend{}}
	for _, id := range ids {
		b := &backend{id: id, addr: id + ".lab:50051", lis: bufconn.Listen(1 << 20), hs: health.NewServer(), release: make(chan struct{}, 1000)}
		b.hs.SetServingStatus(greeter.ServiceName, healthpb.HealthCheckResponse_SERVING)
		srv := grpc.NewServer()
		greeterv1.RegisterGreeterServer(srv, b)
		healthpb.RegisterHealthServer(srv, b.hs)
		done := make(chan struct{})
		go func() { defer close(done); _ = srv.Serve(b.lis) }()
		t.Cleanup(func() { srv.Stop(); <-done })
		f.byID[id], f.byAddr[b.addr] = b, b
	}
	return f
}

func (f *fleet) dial(ctx context.Context, addr string) (net.Conn, error) {
	b, ok := f.byAddr[addr]
	if !ok {
		return nil, fmt.Errorf("no backend at %s", addr)
	}
	return b.lis.DialContext(ctx)
}

// inst is backend id as a registry instance of the given weight (0: unset).
func (f *fleet) inst(id string, weight int) registry.Instance {
	return registry.Instance{Service: "greeter", ID: id, Addr: f.byID[id].addr, Weight: weight}
}

// state is the resolver state for the backends ids, weight unset.
func (f *fleet) state(ids ...string) resolver.State {
	var insts []registry.Instance
	for _, id := range ids {
		insts = append(insts, f.inst(id, 0))
	}
	return registry.State(insts)
}

func newResolver(s resolver.State) *manual.Resolver {
	r := manual.NewBuilderWithScheme("lab")
	r.InitialState(s)
	return r
}

// serviceConfig chooses policy, with client-side health checks on.
func serviceConfig(policy string) string {
	return `{"loadBalancingConfig":[{"` + policy + `":{}}],"healthCheckConfig":{"serviceName":"` + greeter.ServiceName + `"}}`
}

// client dials the fleet through b with policy.
func (f *fleet) client(t testing.TB, policy string, b resolver.Builder) greeterv1.GreeterClient {
	t.Helper()
	return f.clientWith(t, serviceConfig(policy), b)
}

// clientWith dials the fleet through b with a service config.
func (f *fleet) clientWith(t testing.TB, sc string, b resolver.Builder) greeterv1.GreeterClient {
	t.Helper()
	conn, err := grpc.NewClient(b.Scheme()+":///greeter",
		grpc.WithResolvers(b),
		grpc.WithContextDialer(f.dial),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(sc))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return greeterv1.NewGreeterClient(conn)
}

// call makes one call; key, when set, is its hash key.
func call(ctx context.Context, c greeterv1.GreeterClient, key string) (string, error) {
	if key != "" {
		ctx = hashkey.With(ctx, key)
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	resp, err := c.SayHello(ctx, &greeterv1.SayHelloRequest{Name: "suite"})
	return resp.GetBackendId(), err
}

// sequence makes n calls one after the other and returns who answered
// each, in order.
func sequence(t *testing.T, step labkit.Step, c greeterv1.GreeterClient, n int) []string {
	t.Helper()
	out := make([]string, 0, n)
	for range n {
		id, err := call(t.Context(), c, "")
		require(t, step, err)
		out = append(out, id)
	}
	return out
}

func count(ids []string) map[string]int {
	m := map[string]int{}
	for _, id := range ids {
		m[id]++
	}
	return m
}

// eventually polls check until it returns nil, for at most wait; a TODO
// among the calls it makes stops the test with step's message.
func eventually(t *testing.T, check func() error) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for pause := time.Millisecond; ; pause = min(2*pause, 50*time.Millisecond) {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still not true after %v: %v", wait, err)
		}
		time.Sleep(pause) // polling a condition
	}
}

// waitAll waits until 30 calls in a row (with random hash keys) reach
// exactly the backends ids: every endpoint is READY, and the policy's
// picker knows all of them.
func waitAll(t *testing.T, step labkit.Step, c greeterv1.GreeterClient, ids ...string) {
	t.Helper()
	want := slices.Sorted(slices.Values(ids))
	eventually(t, func() error {
		seen := map[string]bool{}
		for range 30 {
			id, err := call(t.Context(), c, "k"+strconv.Itoa(rand.Int()))
			if err != nil {
				check(t, step, err)
				return err
			}
			seen[id] = true
		}
		var got []string
		for id := range seen {
			got = append(got, id)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			return fmt.Errorf("30 calls reached %v, want exactly %v", got, want)
		}
		return nil
	})
}

// TestBalancer: step 1, the balancer itself, with the given firstReady
// policy: endpoints come and go, health decides what is READY, no READY
// endpoint fails calls instead of hanging them, a resolver error keeps
// the working set.
func TestBalancer(t *testing.T, l Lab) {
	probe(t, step1, l.FirstReady)
	f := newFleet(t, "a", "b", "c")
	r := newResolver(f.state("a", "b", "c"))
	c := f.client(t, l.FirstReady, r)
	only := func(id string) {
		t.Helper()
		waitAll(t, step1, c, id)
	}
	only("a")

	r.UpdateState(f.state("b", "c"))
	only("b")

	f.byID["b"].hs.SetServingStatus(greeter.ServiceName, healthpb.HealthCheckResponse_NOT_SERVING)
	only("c") // needs the health listener: pickfirst.EnableHealthListener

	f.byID["c"].hs.SetServingStatus(greeter.ServiceName, healthpb.HealthCheckResponse_NOT_SERVING)
	eventually(t, func() error {
		_, err := call(t.Context(), c, "")
		check(t, step1, err)
		if status.Code(err) != codes.Unavailable {
			return fmt.Errorf("with every endpoint NOT_SERVING a call ended with %v; want Unavailable at once: pass endpointsharding's own state up when nothing is READY", err)
		}
		return nil
	})

	f.byID["b"].hs.SetServingStatus(greeter.ServiceName, healthpb.HealthCheckResponse_SERVING)
	only("b")
	r.CC().ReportError(errors.New("the resolver lost its registry for a moment"))
	if got := count(sequence(t, step1, c, 10)); got["b"] != 10 {
		t.Errorf("after a resolver error, 10 calls went to %v; want all to b: a resolver error must not drop working endpoints", got)
	}
}

// TestRoundRobin: step 2, the lab's round robin spreads calls exactly as
// grpc-go's round_robin: in turn, one after the other and from many
// goroutines at once.
func TestRoundRobin(t *testing.T, l Lab) {
	probe(t, step2, l.RoundRobin)
	f := newFleet(t, "a", "b", "c")
	for _, policy := range []string{l.RoundRobin, "round_robin"} {
		t.Run(policy, func(t *testing.T) {
			r := newResolver(f.state("a", "b", "c"))
			c := f.client(t, policy, r)
			waitAll(t, step2, c, "a", "b", "c")
			seq := sequence(t, step2, c, 150)
			if got := count(seq); got["a"] != 50 || got["b"] != 50 || got["c"] != 50 {
				t.Errorf("150 calls went %v; want exactly 50 each", got)
			}
			for i := 0; i+3 <= len(seq); i++ {
				if w := seq[i : i+3]; w[0] == w[1] || w[1] == w[2] || w[0] == w[2] {
					t.Fatalf("calls %d-%d went to %v: in turn means every three calls in a row reach all three backends", i, i+2, w)
				}
			}

			// Many callers at once: the turn is one atomic step per pick.
			var mu sync.Mutex
			got := map[string]int{}
			var wg sync.WaitGroup
			for range 15 {
				wg.Go(func() {
					for range 10 {
						id, err := call(t.Context(), c, "")
						mu.Lock()
						if err != nil {
							got["error: "+status.Convert(err).Message()]++
						} else {
							got[id]++
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if got["a"] != 50 || got["b"] != 50 || got["c"] != 50 {
				t.Errorf("150 calls from 15 goroutines went %v; want exactly 50 each", got)
			}

			r.UpdateState(f.state("a", "c"))
			if got := count(sequence(t, step2, c, 100)); got["a"] != 50 || got["c"] != 50 {
				t.Errorf("after b left, 100 calls went %v; want exactly 50 each to a and c", got)
			}
		})
	}

	// Picks at once, on the picker itself: through the channel two picks
	// are an RPC apart and rarely meet, here they meet all the time, and a
	// turn taken in two steps (Load, then Store) gives two callers the
	// same endpoint.
	t.Run("picks_at_once", func(t *testing.T) {
		sc, tp := newTap(t, l.RoundRobin)
		c := f.clientWith(t, sc, newResolver(f.state("a", "b", "c")))
		waitAll(t, step2, c, "a", "b", "c")
		p := tp.Picker()
		if p == nil {
			t.Fatal("the policy is serving calls but never published a READY picker")
		}
		// Ten rounds: a round whose callers happen not to overlap (a busy
		// machine) proves nothing, one that loses a turn is enough.
		for round := range 10 {
			if !pickAtOnce(t, p, round) {
				break
			}
		}
	})
}

// TestWeighted: step 3, smooth weighted round robin: exact shares over a
// cycle, spread out within it, weights from the endpoints' registry
// attributes and updated when the resolver says so.
func TestWeighted(t *testing.T, l Lab) {
	probe(t, step3, l.Weighted)
	f := newFleet(t, "a", "b", "c")
	weights := map[string]int{"a": 5, "b": 3, "c": 2}
	r := newResolver(registry.State([]registry.Instance{f.inst("a", 5), f.inst("b", 3), f.inst("c", 2)}))
	c := f.client(t, l.Weighted, r)
	waitAll(t, step3, c, "a", "b", "c")

	seq := sequence(t, step3, c, 100)
	if got := count(seq); got["a"] != 50 || got["b"] != 30 || got["c"] != 20 {
		t.Errorf("100 calls with weights 5:3:2 went %v; want exactly 50, 30, 20", got)
	}
	// Smooth: in every run of k <= 10 calls, each backend gets its share
	// k*w/10 give or take one. Blocks (a×5 b×3 c×2) are off by 2.5.
	worst, where := 0.0, ""
	for k := 1; k <= 10; k++ {
		for i := 0; i+k <= len(seq); i++ {
			got := count(seq[i : i+k])
			for id, w := range weights {
				if d := abs(float64(got[id]) - float64(k*w)/10); d > worst {
					worst, where = d, fmt.Sprintf("calls %d-%d: %v", i, i+k-1, seq[i:i+k])
				}
			}
		}
	}
	if worst > 1+1e-9 {
		t.Errorf("a run of calls strays %.1f calls from its weighted share (%s); smooth weighted round robin stays within 1", worst, where)
	}

	// The resolver changes a weight: the next picker follows it.
	r.UpdateState(registry.State([]registry.Instance{f.inst("a", 5), f.inst("b", 5), f.inst("c", 2)}))
	if got := count(sequence(t, step3, c, 120)); got["a"] != 50 || got["b"] != 50 || got["c"] != 20 {
		t.Errorf("after b's weight went to 5, 120 calls went %v; want 50, 50, 20", got)
	}
	// Endpoints with no weight attribute weigh 1.
	r.UpdateState(resolver.State{Endpoints: []resolver.Endpoint{plain(f, "a"), plain(f, "b"), plain(f, "c")}})
	if got := count(sequence(t, step3, c, 30)); got["a"] != 10 || got["b"] != 10 || got["c"] != 10 {
		t.Errorf("endpoints without weights: 30 calls went %v; want 10 each (registry.Weight is 1 for them)", got)
	}

	t.Run("weights from the registry", func(t *testing.T) {
		reg := registry.NewMemory()
		register := func(id string, w int) {
			if _, err := reg.Register(t.Context(), f.inst(id, w), time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		register("a", 3)
		register("b", 1)
		c := f.client(t, l.Weighted, reg.Builder())
		waitAll(t, step3, c, "a", "b")
		if got := count(sequence(t, step3, c, 40)); got["a"] != 30 || got["b"] != 10 {
			t.Errorf("registered weights 3:1, 40 calls went %v; want 30, 10", got)
		}
		register("b", 3) // registered again with a new weight
		eventually(t, func() error {
			if got := count(sequence(t, step3, c, 40)); got["a"] != 20 || got["b"] != 20 {
				return fmt.Errorf("b registered again with weight 3; 40 calls went %v, want 20, 20", got)
			}
			return nil
		})
	})
}

func plain(f *fleet, id string) resolver.Endpoint {
	return resolver.Endpoint{Addresses: []resolver.Address{{Addr: f.byID[id].addr}}}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// holds tracks held calls: each runs in its own goroutine until its
// backend releases it.
type holds struct {
	f        *fleet
	returned atomic.Int64
	wg       sync.WaitGroup
}

func (h *holds) total() int64 {
	var n int64
	for _, b := range h.f.byID {
		n += b.inflight.Load()
	}
	return n
}

// start holds one more call and waits until a backend has it.
func (h *holds) start(t *testing.T, step labkit.Step, c greeterv1.GreeterClient) {
	t.Helper()
	before := h.total()
	errc := make(chan error, 1)
	h.wg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*wait)
		defer cancel()
		_, err := c.SayHello(ctx, &greeterv1.SayHelloRequest{Name: "hold"})
		h.returned.Add(1)
		errc <- err
	})
	eventually(t, func() error {
		select {
		case err := <-errc:
			check(t, step, err)
			t.Fatalf("a held call ended before it was released: %v", err)
		default:
		}
		if h.total() <= before {
			return errors.New("the held call has not reached a backend yet")
		}
		return nil
	})
}

// release lets n of id's held calls end and waits until their callers
// have them back (and so the picks' Done callbacks have run).
func (h *holds) release(t *testing.T, id string, n int) {
	t.Helper()
	want := h.returned.Load() + int64(n)
	for range n {
		h.f.byID[id].release <- struct{}{}
	}
	eventually(t, func() error {
		if h.returned.Load() < want {
			return errors.New("released calls have not returned yet")
		}
		return nil
	})
}

// shape holds six calls on the backends ids (three of them), then
// releases some so that they hold 2, 1 and 0 calls; it returns them in
// that order.
func shape(t *testing.T, step labkit.Step, h *holds, c greeterv1.GreeterClient, balanced bool, ids ...string) (x, y, z string) {
	t.Helper()
	counts := func() map[string]int64 {
		m := map[string]int64{}
		for _, id := range ids {
			m[id] = h.f.byID[id].inflight.Load()
		}
		return m
	}
	for range 6 {
		h.start(t, step, c)
		if m := counts(); balanced && spreadOf(m) > 1 {
			t.Fatalf("held calls in flight per backend: %v; least connections sends each call to a backend with the fewest", m)
		}
	}
	m := counts()
	byLoad := slices.SortedFunc(slices.Values(ids), func(a, b string) int { return int(m[b] - m[a]) })
	x, y, z = byLoad[0], byLoad[1], byLoad[2]
	if m[x] < 2 || m[y] < 1 {
		t.Fatalf("six held calls landed %v; a policy that avoids loaded backends spreads them", m)
	}
	h.release(t, x, int(m[x]-2))
	h.release(t, y, int(m[y]-1))
	h.release(t, z, int(m[z]))
	return x, y, z
}

func spreadOf(m map[string]int64) int64 {
	lo, hi := int64(1<<62), int64(-1)
	for _, n := range m {
		lo, hi = min(lo, n), max(hi, n)
	}
	return hi - lo
}

func (h *holds) releaseAll() {
	for _, b := range h.f.byID {
		for range b.inflight.Load() + 10 {
			b.release <- struct{}{}
		}
	}
	h.wg.Wait()
}

// TestLeastConn: step 4, a call goes to the backend with the fewest calls
// in flight; the counts drop when calls end (also failed ones), and they
// survive the picker being rebuilt.
func TestLeastConn(t *testing.T, l Lab) {
	probe(t, step4, l.LeastConn)
	f := newFleet(t, "a", "b", "c", "d")
	r := newResolver(f.state("a", "b", "c"))
	c := f.client(t, l.LeastConn, r)
	waitAll(t, step4, c, "a", "b", "c")
	h := &holds{f: f}
	defer h.releaseAll()
	x, y, z := shape(t, step4, h, c, true, "a", "b", "c")

	if got := count(sequence(t, step4, c, 60)); got[z] != 60 {
		t.Errorf("with %s, %s, %s holding 2, 1 and 0 calls, 60 calls went %v; want all to %s", x, y, z, got, z)
	}
	// A new endpoint rebuilds the picker; the counts of calls in flight
	// must not start over, or x and y would look idle.
	r.UpdateState(f.state("a", "b", "c", "d"))
	seen := map[string]int{}
	eventually(t, func() error {
		for id, n := range count(sequence(t, step4, c, 20)) {
			seen[id] += n
		}
		if seen[x] > 0 || seen[y] > 0 {
			t.Fatalf("after d joined, calls went %v: %s and %s still hold calls; keep the in-flight counts across pickers (per endpoint, in the policy)", seen, x, y)
		}
		if seen["d"] == 0 {
			return errors.New("d has not been picked yet")
		}
		return nil
	})
}

// TestP2C: step 5, two random choices, the less loaded one: never the
// busiest, but unlike least connections not always the idlest either.
func TestP2C(t *testing.T, l Lab) {
	probe(t, step5, l.P2C)
	f := newFleet(t, "a", "b", "c")
	r := newResolver(f.state("a", "b", "c"))
	c := f.client(t, l.P2C, r)
	waitAll(t, step5, c, "a", "b", "c")
	h := &holds{f: f}
	defer h.releaseAll()
	x, y, z := shape(t, step5, h, c, false, "a", "b", "c")

	got := count(sequence(t, step5, c, 90))
	// Pairs {x,y} (a third of draws) go to y, the others to z; x never.
	if got[x] != 0 {
		t.Errorf("%s holds the most calls and got %d of 90: of two choices the less loaded one wins", x, got[x])
	}
	if got[y] < 10 || got[z] < 30 {
		t.Errorf("90 calls went %v with %s, %s, %s holding 2, 1, 0: want about 30 to %s (when the pair is {%s,%s}) and 60 to %s: pick two distinct endpoints at random", got, x, y, z, y, x, y, z)
	}
}

// TestConsistentHash: step 6, a key sticks to a backend; adding a backend
// moves about 1/(N+1) of the keys, where the text's hash % N moves most
// of them; removing one moves only its own keys.
func TestConsistentHash(t *testing.T, l Lab) {
	probe(t, step6, l.ConsistentHash)
	f := newFleet(t, "a", "b", "c", "d")
	r := newResolver(f.state("a", "b", "c"))
	c := f.client(t, l.ConsistentHash, r)
	waitAll(t, step6, c, "a", "b", "c")

	first, err := call(t.Context(), c, "user-42")
	require(t, step6, err)
	for range 20 {
		if id, err := call(t.Context(), c, "user-42"); err != nil || id != first {
			t.Fatalf("the key user-42 went to %s, then %s (%v): a key must stick to its backend", first, id, err)
		}
	}

	keys := make([]string, 200)
	for i := range keys {
		keys[i] = "user-" + strconv.Itoa(i)
	}
	route := func() map[string]string {
		m := map[string]string{}
		for _, k := range keys {
			id, err := call(t.Context(), c, k)
			require(t, step6, err)
			m[k] = id
		}
		return m
	}
	three := route()
	for id, n := range countValues(three) {
		if n < len(keys)*15/100 {
			t.Errorf("backend %s got %d of %d keys; with virtual nodes each of 3 gets about a third", id, n, len(keys))
		}
	}

	r.UpdateState(f.state("a", "b", "c", "d"))
	waitAll(t, step6, c, "a", "b", "c", "d")
	four := route()
	moved := 0
	for _, k := range keys {
		if four[k] != three[k] {
			moved++
			if four[k] != "d" {
				t.Fatalf("adding d moved %s from %s to %s: a new backend only takes keys, the others keep theirs", k, three[k], four[k])
			}
		}
	}
	naive := movedByModulo(keys, []string{"a", "b", "c"}, []string{"a", "b", "c", "d"})
	frac, naiveFrac := float64(moved)/float64(len(keys)), float64(naive)/float64(len(keys))
	t.Logf("adding a 4th backend moved %.0f%% of %d keys (ideal 1/(N+1) = 25%%); hash %% N moved %.0f%%", 100*frac, len(keys), 100*naiveFrac)
	if frac < 0.10 || frac > 0.40 {
		t.Errorf("adding a 4th backend moved %.0f%% of the keys; consistent hashing moves about 25%%", 100*frac)
	}
	if naiveFrac < 0.55 || naiveFrac <= 2*frac {
		t.Errorf("hash %% N moved %.0f%%, consistent hashing %.0f%%: the comparison this lab is about did not show", 100*naiveFrac, 100*frac)
	}

	r.UpdateState(f.state("a", "c", "d"))
	after := route()
	for _, k := range keys {
		if four[k] != "b" && after[k] != four[k] {
			t.Fatalf("removing b moved %s from %s to %s: only b's keys may move", k, four[k], after[k])
		}
	}

	// No key: spread, not all to one backend.
	var anyKey []string
	for range 60 {
		id, err := call(t.Context(), c, "")
		require(t, step6, err)
		anyKey = append(anyKey, id)
	}
	if len(count(anyKey)) < 2 {
		t.Errorf("60 calls without a hash key all went to %v; spread them (e.g. at random)", count(anyKey))
	}
}

func countValues(m map[string]string) map[string]int {
	out := map[string]int{}
	for _, v := range m {
		out[v]++
	}
	return out
}

// movedByModulo is the text's policy, backends[hash(key) % len(backends)],
// measured on the same keys: how many move when the list grows.
func movedByModulo(keys, before, after []string) int {
	moved := 0
	for _, k := range keys {
		h := fnv32(k)
		if before[h%uint32(len(before))] != after[h%uint32(len(after))] {
			moved++
		}
	}
	return moved
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// pickAtOnce makes callers pick on p at the same moment and reports
// whether every endpoint got the same number of picks.
func pickAtOnce(t *testing.T, p balancer.Picker, round int) bool {
	t.Helper()
	// A start line, so the callers run at once rather than one after the
	// other (a few thousand picks take less time than starting one).
	const callers, picks = 4, 30000
	counts := make([]map[balancer.SubConn]int, callers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range callers {
		counts[i] = map[balancer.SubConn]int{}
		wg.Go(func() {
			<-start
			for range picks {
				r, err := p.Pick(balancer.PickInfo{Ctx: t.Context()})
				if err != nil {
					counts[i][nil]++
					continue
				}
				counts[i][r.SubConn]++
			}
		})
	}
	close(start)
	wg.Wait()
	total := map[balancer.SubConn]int{}
	for _, m := range counts {
		for sc, n := range m {
			total[sc] += n
		}
	}
	var got []int
	for sc, n := range total {
		if sc == nil {
			t.Fatalf("%d of %d picks failed on a picker with three READY endpoints", n, callers*picks)
		}
		got = append(got, n)
	}
	if want := callers * picks / 3; len(got) != 3 || got[0] != want || got[1] != want || got[2] != want {
		t.Errorf("round %d: %d callers making %d picks each at once: the endpoints got %v picks; want exactly %d each. "+
			"Two callers took the same turn: take it in one atomic step (Add), not a Load and a Store", round+1, callers, picks, got, want)
		return false
	}
	return true
}
