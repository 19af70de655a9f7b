package balancingtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/serviceconfig"

	"github.com/grpclabs/labs/ch04-governance/greeter"
)

// A tap sits between a channel and the policy under test and keeps the
// last READY picker the policy published, so the suite can call Pick on it
// directly, from several goroutines in a tight loop. Through the channel,
// picks are a whole RPC apart and almost never meet; a turn counter read
// and written in two steps (Load, then Store: no data race, yet two
// callers get the same turn) only shows when they do.
//
// The tap is registered once, at init as grpc-go requires; its config
// names the policy to wrap and the tap's id:
// {"balancingtest_tap": {"policy": "lab_round_robin", "id": "3"}}.
const tapName = "balancingtest_tap"

func init() { balancer.Register(tapBuilder{}) }

var (
	taps   sync.Map // id → *tap
	tapIDs atomic.Int64
)

type tap struct{ picker atomic.Value } // balancer.Picker

// newTap returns a service config that wraps policy in a new tap (with
// the suite's health checks), and the tap.
func newTap(tb testing.TB, policy string) (serviceConfig string, t *tap) {
	id := strconv.FormatInt(tapIDs.Add(1), 10)
	t = &tap{}
	taps.Store(id, t)
	tb.Cleanup(func() { taps.Delete(id) })
	return fmt.Sprintf(`{"loadBalancingConfig":[{%q:{"policy":%q,"id":%q}}],"healthCheckConfig":{"serviceName":%q}}`,
		tapName, policy, id, greeter.ServiceName), t
}

// Picker is the last READY picker, or nil.
func (t *tap) Picker() balancer.Picker {
	p, _ := t.picker.Load().(balancer.Picker)
	return p
}

type tapConfig struct {
	serviceconfig.LoadBalancingConfig
	Policy, ID string
}

type tapBuilder struct{}

func (tapBuilder) Name() string { return tapName }

func (tapBuilder) ParseConfig(js json.RawMessage) (serviceconfig.LoadBalancingConfig, error) {
	var c tapConfig
	if err := json.Unmarshal(js, &c); err != nil {
		return nil, err
	}
	if balancer.Get(c.Policy) == nil {
		return nil, fmt.Errorf("tap: no policy %q registered", c.Policy)
	}
	return &c, nil
}

// Build waits for the config to know what to build.
func (tapBuilder) Build(cc balancer.ClientConn, opts balancer.BuildOptions) balancer.Balancer {
	return &tapBalancer{tapCC: tapCC{ClientConn: cc}, opts: opts}
}

// tapCC is the ClientConn the wrapped policy sees: it passes everything
// on, and keeps each READY picker on the way up.
type tapCC struct {
	balancer.ClientConn
	tap *tap
}

func (c *tapCC) UpdateState(s balancer.State) {
	if s.ConnectivityState == connectivity.Ready && c.tap != nil {
		c.tap.picker.Store(s.Picker)
	}
	c.ClientConn.UpdateState(s)
}

type tapBalancer struct {
	tapCC
	opts  balancer.BuildOptions
	inner balancer.Balancer
}

func (b *tapBalancer) UpdateClientConnState(s balancer.ClientConnState) error {
	c, ok := s.BalancerConfig.(*tapConfig)
	if !ok {
		return fmt.Errorf("tap: config %T", s.BalancerConfig)
	}
	if b.inner == nil {
		t, _ := taps.Load(c.ID)
		b.tap, _ = t.(*tap)
		b.inner = balancer.Get(c.Policy).Build(&b.tapCC, b.opts)
	}
	s.BalancerConfig = nil // the policies under test take none
	return b.inner.UpdateClientConnState(s)
}

func (b *tapBalancer) ResolverError(err error) {
	if b.inner != nil {
		b.inner.ResolverError(err)
	}
}

func (b *tapBalancer) UpdateSubConnState(sc balancer.SubConn, s balancer.SubConnState) {
	if b.inner != nil {
		b.inner.UpdateSubConnState(sc, s)
	}
}

func (b *tapBalancer) Close() {
	if b.inner != nil {
		b.inner.Close()
	}
}

func (b *tapBalancer) ExitIdle() {
	if e, ok := b.inner.(balancer.ExitIdler); ok {
		e.ExitIdle()
	}
}
