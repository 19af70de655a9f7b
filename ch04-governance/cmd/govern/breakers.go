package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/serviceconfig"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch04-governance/registry"
	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
)

// The resilience lab's interceptors keep one breaker per target and
// method. Behind a balancer one target is many backends, and a breaker
// that counts them together opens only when the whole service fails: one
// dead backend of three is a failure rate of 33%. So govern gives every
// backend its own breaker, where the backend is chosen: a balancer that
// wraps the chosen policy and passes each of its picks through the
// picked backend's breaker. A pick whose breaker refuses is handed back
// and the policy asked again, so traffic flows around an open breaker
// (what Envoy's outlier detection and grpc-go's outlier_detection do by
// ejecting hosts); only when every pick is refused does the call fail
// fast. The breaker still sees one outcome per attempt, from the pick's
// Done.
const breakerPolicy = "govern_breakers"

// Registration belongs in init: grpc-go's balancer registry is not safe
// to change while a channel may read it.
func init() { balancer.Register(breakerBuilder{}) }

// breakerConfig is the policy's service config: {"child":"<policy>"}.
type breakerConfig struct {
	serviceconfig.LoadBalancingConfig
	Child string `json:"child"`

	child       balancer.Builder
	childConfig serviceconfig.LoadBalancingConfig
}

type breakerBuilder struct{}

func (breakerBuilder) Name() string { return breakerPolicy }

func (breakerBuilder) ParseConfig(js json.RawMessage) (serviceconfig.LoadBalancingConfig, error) {
	cfg := &breakerConfig{}
	if err := json.Unmarshal(js, cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", breakerPolicy, err)
	}
	if cfg.child = balancer.Get(cfg.Child); cfg.child == nil {
		return nil, fmt.Errorf("%s: no balancer named %q", breakerPolicy, cfg.Child)
	}
	if p, ok := cfg.child.(balancer.ConfigParser); ok {
		c, err := p.ParseConfig(json.RawMessage("{}"))
		if err != nil {
			return nil, fmt.Errorf("%s: child %s: %w", breakerPolicy, cfg.Child, err)
		}
		cfg.childConfig = c
	}
	return cfg, nil
}

func (breakerBuilder) Build(cc balancer.ClientConn, opts balancer.BuildOptions) balancer.Balancer {
	return &breakerBalancer{cc: cc, opts: opts, subConns: map[balancer.SubConn]string{}}
}

// fleetKey carries the run's *fleet from the resolver to the balancer in
// the resolver state's attributes: a balancer registered in init has no
// other way to reach the state of the program that dialled.
type fleetKey struct{}

// withFleet wraps a resolver so every state it reports carries f.
type withFleet struct {
	resolver.Builder
	f *fleet
}

func (b withFleet) Build(t resolver.Target, cc resolver.ClientConn, opts resolver.BuildOptions) (resolver.Resolver, error) {
	return b.Builder.Build(t, fleetCC{cc, b.f}, opts)
}

type fleetCC struct {
	resolver.ClientConn
	f *fleet
}

func (c fleetCC) UpdateState(s resolver.State) error {
	s.Attributes = s.Attributes.WithValue(fleetKey{}, c.f)
	return c.ClientConn.UpdateState(s)
}

// breakerBalancer is the wrapping balancer of one channel.
type breakerBalancer struct {
	cc    balancer.ClientConn
	opts  balancer.BuildOptions
	child balancer.Balancer // built on the first resolver state
	fleet *fleet

	mu       sync.Mutex
	subConns map[balancer.SubConn]string // → its address
	ids      map[string]string           // address → backend id, from the resolver
	tries    int                         // picks to try before failing fast
}

func (b *breakerBalancer) UpdateClientConnState(s balancer.ClientConnState) error {
	cfg, ok := s.BalancerConfig.(*breakerConfig)
	if !ok {
		return fmt.Errorf("%s: no config", breakerPolicy)
	}
	if b.child == nil {
		f, ok := s.ResolverState.Attributes.Value(fleetKey{}).(*fleet)
		if !ok {
			return fmt.Errorf("%s: the resolver state carries no fleet (dial with withFleet)", breakerPolicy)
		}
		b.fleet = f
		b.child = cfg.child.Build(childCC{ClientConn: b.cc, b: b}, b.opts)
	}
	ids := map[string]string{}
	var listed []string
	weights := 0
	for _, ep := range s.ResolverState.Endpoints {
		inst, ok := registry.FromEndpoint(ep)
		for _, a := range ep.Addresses {
			id := a.Addr
			if ok {
				id = inst.ID
			}
			ids[a.Addr] = id
		}
		if ok {
			listed = append(listed, inst.ID)
			weights += inst.EffectiveWeight()
		}
	}
	b.mu.Lock()
	b.ids = ids
	for sc, addr := range b.subConns {
		if _, ok := ids[addr]; !ok {
			delete(b.subConns, sc) // the policy shuts down SubConns of endpoints that left
		}
	}
	// One pass of a smooth weighted round robin visits every backend once
	// per sum of weights; twice that finds a closed breaker if one exists.
	b.tries = min(max(2*weights, 2*len(ids), 2), 100)
	b.mu.Unlock()
	b.fleet.setListed(listed)
	s.BalancerConfig = cfg.childConfig
	return b.child.UpdateClientConnState(s)
}

func (b *breakerBalancer) ResolverError(err error) {
	if b.child != nil {
		b.child.ResolverError(err)
	}
}

func (b *breakerBalancer) UpdateSubConnState(sc balancer.SubConn, s balancer.SubConnState) {
	// Unused since grpc-go 1.58: SubConns report through their StateListener.
}

func (b *breakerBalancer) Close() {
	if b.child != nil {
		b.child.Close()
	}
}

func (b *breakerBalancer) ExitIdle() {
	if b.child != nil {
		b.child.ExitIdle()
	}
}

// idOf is the backend a SubConn connects to.
func (b *breakerBalancer) idOf(sc balancer.SubConn) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	addr := b.subConns[sc]
	if id, ok := b.ids[addr]; ok {
		return id
	}
	return addr
}

// childCC is the channel as the wrapped policy sees it: it learns each
// SubConn's address, and wraps each picker.
type childCC struct {
	balancer.ClientConn
	b *breakerBalancer
}

func (c childCC) NewSubConn(addrs []resolver.Address, opts balancer.NewSubConnOptions) (balancer.SubConn, error) {
	sc, err := c.ClientConn.NewSubConn(addrs, opts)
	if err == nil && len(addrs) > 0 {
		c.b.mu.Lock()
		c.b.subConns[sc] = addrs[0].Addr
		c.b.mu.Unlock()
	}
	return sc, err
}

func (c childCC) UpdateState(s balancer.State) {
	c.b.mu.Lock()
	tries := c.b.tries
	c.b.mu.Unlock()
	s.Picker = &breakerPicker{child: s.Picker, b: c.b, tries: tries}
	c.ClientConn.UpdateState(s)
}

// breakerPicker asks the policy's picker, then the picked backend's
// breaker.
type breakerPicker struct {
	child balancer.Picker
	b     *breakerBalancer
	tries int
}

func (p *breakerPicker) Pick(info balancer.PickInfo) (balancer.PickResult, error) {
	var refused error
	for range max(p.tries, 1) {
		res, err := p.child.Pick(info)
		if err != nil {
			return res, err
		}
		id := p.b.idOf(res.SubConn)
		done, err := p.b.fleet.breaker(id).Allow()
		if err != nil {
			if res.Done != nil {
				res.Done(balancer.DoneInfo{}) // hand the pick back: no call was made
			}
			refused = err
			continue
		}
		res.Done = p.b.fleet.attempt(id, done, res.Done)
		return res, nil
	}
	// A status error ends the call at once, even a WaitForReady one.
	return balancer.PickResult{}, status.Errorf(codes.Unavailable, "%v; the call was not sent", refused)
}

// outcome classifies a finished attempt for a breaker the way the
// resilience lab's interceptors do: a failure code counts against the
// backend, a cancelled call says nothing about it, any other answer
// (a limiter's ResourceExhausted included) shows it is alive.
func outcome(err error) policy.Outcome {
	switch code := status.Code(err); {
	case err == nil:
		return policy.Success
	case code == codes.Canceled:
		return policy.Ignored
	case slices.Contains(policy.DefaultFailureCodes, code):
		return policy.Failure
	}
	return policy.Success
}

// attempt returns the Done of a pick admitted by id's breaker: it tells
// the policy's own Done, the breaker, and the fleet's counters.
func (f *fleet) attempt(id string, breakerDone func(policy.Outcome), childDone func(balancer.DoneInfo)) func(balancer.DoneInfo) {
	start := time.Now()
	return func(di balancer.DoneInfo) {
		if childDone != nil {
			childDone(di)
		}
		// grpc-go calls Done with an empty DoneInfo when the picked
		// connection was not ready after all and it picks again: no call.
		if di.Err == nil && !di.BytesReceived {
			breakerDone(policy.Ignored)
			return
		}
		breakerDone(outcome(di.Err))
		f.record(id, time.Since(start), di.Err)
	}
}
