package registry_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/serviceconfig"

	"github.com/grpclabs/labs/ch04-governance/registry"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var b1 = registry.Instance{Service: "greeter", ID: "b1", Addr: "127.0.0.1:5001", Version: "1.0.0", Zone: "eu-1a", Weight: 3}

func TestValidate(t *testing.T) {
	if err := b1.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v", b1, err)
	}
	for name, mutate := range map[string]func(*registry.Instance){
		"no service":       func(i *registry.Instance) { i.Service = "" },
		"slash in service": func(i *registry.Instance) { i.Service = "a/b" },
		"no id":            func(i *registry.Instance) { i.ID = "" },
		"slash in id":      func(i *registry.Instance) { i.ID = "x/y" },
		"no port":          func(i *registry.Instance) { i.Addr = "127.0.0.1" },
		"negative weight":  func(i *registry.Instance) { i.Weight = -1 },
		"huge weight":      func(i *registry.Instance) { i.Weight = registry.MaxWeight + 1 },
	} {
		inst := b1
		mutate(&inst)
		if err := inst.Validate(); err == nil {
			t.Errorf("%s: Validate(%+v) = nil, want an error", name, inst)
		}
	}
}

func TestEtcdLayout(t *testing.T) {
	if got := registry.Key("greeter", "b1"); got != "services/greeter/b1" {
		t.Errorf("Key = %q", got)
	}
	if p := registry.Prefix("greeter"); !strings.HasPrefix(registry.Key("greeter", "x"), p) || strings.HasPrefix(registry.Key("greeter-admin", "x"), p) {
		t.Errorf("Prefix(greeter) = %q must cover greeter's keys and no other service's", p)
	}
	v, err := registry.EncodeEtcd(b1)
	if err != nil {
		t.Fatal(err)
	}
	// The shape etcd's naming/endpoints manager writes and its resolver reads.
	want := `{"Op":0,"Addr":"127.0.0.1:5001","Metadata":{"service":"greeter","id":"b1","version":"1.0.0","zone":"eu-1a","weight":3}}`
	if v != want {
		t.Errorf("EncodeEtcd =\n %s\nwant\n %s", v, want)
	}
	got, err := registry.DecodeEtcd([]byte(registry.Key("greeter", "b1")), []byte(v))
	if err != nil || got != b1 {
		t.Errorf("DecodeEtcd(EncodeEtcd(b1)) = %+v, %v; want %+v", got, err, b1)
	}
	if _, err := registry.EncodeEtcd(registry.Instance{ID: "x"}); err == nil {
		t.Error("EncodeEtcd of an invalid instance succeeded")
	}

	// Written by etcd's own manager with foreign metadata: accepted, weight 1.
	for _, v := range []string{
		`{"Op":0,"Addr":"10.0.0.9:80","Metadata":null}`,
		`{"Op":0,"Addr":"10.0.0.9:80","Metadata":"v2"}`,
		`{"Addr":"10.0.0.9:80"}`,
	} {
		got, err := registry.DecodeEtcd([]byte("services/greeter/x"), []byte(v))
		if err != nil || got.Addr != "10.0.0.9:80" || got.ID != "x" || got.EffectiveWeight() != 1 {
			t.Errorf("DecodeEtcd(%s) = %+v, %v", v, got, err)
		}
	}
	// The key names the instance, whatever the metadata claims.
	got, _ = registry.DecodeEtcd([]byte("services/greeter/real"), []byte(`{"Op":0,"Addr":"1.2.3.4:5","Metadata":{"service":"other","id":"fake"}}`))
	if got.Service != "greeter" || got.ID != "real" {
		t.Errorf("service/id = %q/%q, want them from the key", got.Service, got.ID)
	}

	for _, tc := range []struct{ key, value, want string }{
		{"services/greeter", `{"Addr":"1.2.3.4:5"}`, "is not services/<service>/<id>"},
		{"other/greeter/x", `{"Addr":"1.2.3.4:5"}`, "is not services/<service>/<id>"},
		{"services/greeter/x", `not json`, "not an endpoint record"},
		{"services/greeter/x", `{"Addr":"1.2.3.4:5"} trailing`, "trailing data"},
		{"services/greeter/x", `{"Op":1,"Addr":"1.2.3.4:5"}`, "not an addition"},
		{"services/greeter/x", `{"Op":0,"Addr":""}`, "not host:port"},
		{"services/greeter/x", `{"Op":0,"Addr":"1.2.3.4:5","Metadata":{"weight":-4}}`, "weight -4"},
		{"services/greeter/x", `{"Op":0,"Addr":"1.2.3.4:5","Metadata":{"weight":"heavy"}}`, "metadata"},
	} {
		_, err := registry.DecodeEtcd([]byte(tc.key), []byte(tc.value))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("DecodeEtcd(%q, %s) = %v; want an error naming the key and saying %q", tc.key, tc.value, err, tc.want)
		}
	}
}

// Values in etcd are untrusted: decoding never panics, and whatever it
// accepts is a valid instance that encodes back to the same instance.
func FuzzDecodeEtcd(f *testing.F) {
	v, _ := registry.EncodeEtcd(b1)
	f.Add("services/greeter/b1", v)
	f.Add("services/greeter/x", `{"Op":0,"Addr":"10.0.0.9:80","Metadata":null}`)
	f.Add("services//", `{}`)
	f.Fuzz(func(t *testing.T, key, value string) {
		inst, err := registry.DecodeEtcd([]byte(key), []byte(value))
		if err != nil {
			return
		}
		if err := inst.Validate(); err != nil {
			t.Fatalf("DecodeEtcd accepted an invalid instance %+v: %v", inst, err)
		}
		enc, err := registry.EncodeEtcd(inst)
		if err != nil {
			t.Fatal(err)
		}
		again, err := registry.DecodeEtcd([]byte(registry.Key(inst.Service, inst.ID)), []byte(enc))
		if err != nil || again != inst {
			t.Fatalf("round trip of %+v gave %+v, %v", inst, again, err)
		}
	})
}

func TestEndpointAttributes(t *testing.T) {
	ep := registry.Endpoint(b1)
	if len(ep.Addresses) != 1 || ep.Addresses[0].Addr != b1.Addr {
		t.Fatalf("Endpoint addresses = %v", ep.Addresses)
	}
	if got, ok := registry.FromEndpoint(ep); !ok || got != b1 {
		t.Errorf("FromEndpoint = %+v, %v", got, ok)
	}
	if registry.Weight(ep) != 3 || registry.Zone(ep) != "eu-1a" {
		t.Errorf("Weight, Zone = %d, %q", registry.Weight(ep), registry.Zone(ep))
	}
	plain := resolver.Endpoint{Addresses: []resolver.Address{{Addr: "x:1"}}}
	if registry.Weight(plain) != 1 || registry.Zone(plain) != "" {
		t.Errorf("an endpoint without attributes has weight %d, zone %q; want 1, \"\"", registry.Weight(plain), registry.Zone(plain))
	}
	s := registry.State([]registry.Instance{{ID: "c", Addr: "c:1"}, {ID: "a", Addr: "a:1"}, {ID: "b", Addr: "b:1"}})
	var ids []string
	for _, ep := range s.Endpoints {
		inst, _ := registry.FromEndpoint(ep)
		ids = append(ids, inst.ID)
	}
	if strings.Join(ids, ",") != "a,b,c" {
		t.Errorf("State orders endpoints %v, want by id", ids)
	}
}

func TestMemory(t *testing.T) {
	m := registry.NewMemory()
	ctx := t.Context()
	if _, err := m.Register(ctx, registry.Instance{Service: "greeter"}, time.Second); err == nil {
		t.Error("Register accepted an instance without id or address")
	}
	if _, err := m.Register(ctx, b1, 0); err == nil {
		t.Error("Register accepted a zero ttl")
	}

	w := m.Watch(ctx, "greeter")
	if set := <-w; len(set) != 0 {
		t.Fatalf("first set of an empty service = %v", set)
	}
	r1, err := m.Register(ctx, b1, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if set := <-w; len(set) != 1 || set[0] != b1 {
		t.Fatalf("after Register the watch got %v", set)
	}
	// The same id again replaces it; the old registration can no longer remove it.
	moved := b1
	moved.Addr = "127.0.0.1:6001"
	r2, _ := m.Register(ctx, moved, time.Second)
	<-w
	if err := r1.Deregister(ctx); err != nil {
		t.Fatal(err)
	}
	if got := m.Instances("greeter"); len(got) != 1 || got[0] != moved {
		t.Fatalf("after the stale registration left: %v, want only %v", got, moved)
	}
	r2.Deregister(ctx)
	r2.Deregister(ctx) // twice is fine
	if set := <-w; len(set) != 0 {
		t.Fatalf("after Deregister the watch got %v", set)
	}
}

func TestMemorySlowWatcher(t *testing.T) {
	m := registry.NewMemory()
	ctx, cancel := context.WithCancel(t.Context())
	w := m.Watch(ctx, "greeter")
	<-w
	// Nobody reads while ten changes happen: the registry must not block,
	// and the reader then sees the latest set.
	for i := range 10 {
		inst := b1
		inst.ID = string(rune('a' + i))
		if _, err := m.Register(ctx, inst, time.Second); err != nil {
			t.Fatal(err)
		}
	}
	var last []registry.Instance
	for len(last) != 10 {
		last = <-w
	}
	cancel()
	for range w { // closed once ctx ends
	}
}

// recorder is a resolver.ClientConn that keeps every state it is given.
type recorder struct {
	mu     sync.Mutex
	states []resolver.State
	ch     chan struct{}
}

func (r *recorder) UpdateState(s resolver.State) error {
	r.mu.Lock()
	r.states = append(r.states, s)
	r.mu.Unlock()
	r.ch <- struct{}{}
	return nil
}
func (r *recorder) ReportError(error)             {}
func (r *recorder) NewAddress([]resolver.Address) {}
func (r *recorder) ParseServiceConfig(string) *serviceconfig.ParseResult {
	return &serviceconfig.ParseResult{Err: errors.New("no service config here")}
}

func TestMemoryResolver(t *testing.T) {
	m := registry.NewMemory()
	b := m.Builder()
	if b.Scheme() != registry.MemoryScheme {
		t.Errorf("Scheme = %q", b.Scheme())
	}
	rec := &recorder{ch: make(chan struct{}, 10)}
	if _, err := b.Build(resolver.Target{}, rec, resolver.BuildOptions{}); err == nil {
		t.Error("Build with no service in the target succeeded")
	}
	res, err := b.Build(target(t, "memory:///greeter"), rec, resolver.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	<-rec.ch
	reg, _ := m.Register(t.Context(), b1, time.Second)
	<-rec.ch
	rec.mu.Lock()
	last := rec.states[len(rec.states)-1]
	rec.mu.Unlock()
	if len(last.Endpoints) != 1 || registry.Weight(last.Endpoints[0]) != 3 {
		t.Fatalf("resolver state after Register = %+v", last)
	}
	reg.Deregister(t.Context())
	<-rec.ch
}

func target(t *testing.T, s string) resolver.Target {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return resolver.Target{URL: *u}
}
