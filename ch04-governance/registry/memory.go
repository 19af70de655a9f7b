package registry

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/resolver"
)

// MemoryScheme is the target scheme of [Memory.Builder]: memory:///greeter.
const MemoryScheme = "memory"

// Memory is a registry in one process: for unit tests and for programs
// that run their backends and clients together. Registrations never
// expire (a registrant in the same process cannot die without its
// registry), so ttl is only validated; Deregister removes an instance.
// Registering an id again replaces the instance, as a put in etcd would.
//
// The zero value is not usable; call [NewMemory].
type Memory struct {
	mu       sync.Mutex
	services map[string]map[string]memEntry // service → id → entry
	watchers map[string]map[*memWatcher]struct{}
	gen      uint64
}

type memEntry struct {
	inst Instance
	gen  uint64 // which registration wrote it, so an old one cannot remove a newer
}

// NewMemory returns an empty registry.
func NewMemory() *Memory {
	return &Memory{services: map[string]map[string]memEntry{}, watchers: map[string]map[*memWatcher]struct{}{}}
}

// Register implements [Registrar].
func (m *Memory) Register(ctx context.Context, inst Instance, ttl time.Duration) (Registration, error) {
	if err := inst.Validate(); err != nil {
		return nil, err
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("registry: ttl %v must be positive", ttl)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	if m.services[inst.Service] == nil {
		m.services[inst.Service] = map[string]memEntry{}
	}
	m.services[inst.Service][inst.ID] = memEntry{inst: inst, gen: m.gen}
	m.notifyLocked(inst.Service)
	return &memRegistration{m: m, service: inst.Service, id: inst.ID, gen: m.gen, done: make(chan struct{})}, nil
}

type memRegistration struct {
	m           *Memory
	service, id string
	gen         uint64
	once        sync.Once
	done        chan struct{}
}

func (r *memRegistration) Done() <-chan struct{} { return r.done }

func (r *memRegistration) Err() error {
	select {
	case <-r.done:
		return ErrDeregistered
	default:
		return nil
	}
}

func (r *memRegistration) Deregister(context.Context) error {
	r.once.Do(func() {
		defer close(r.done)
		m := r.m
		m.mu.Lock()
		defer m.mu.Unlock()
		if e, ok := m.services[r.service][r.id]; ok && e.gen == r.gen {
			delete(m.services[r.service], r.id)
			m.notifyLocked(r.service)
		}
	})
	return nil
}

// Instances returns the instances of service, ordered by id.
func (m *Memory) Instances(service string) []Instance {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.instancesLocked(service)
}

func (m *Memory) instancesLocked(service string) []Instance {
	var out []Instance
	for _, id := range slices.Sorted(maps.Keys(m.services[service])) {
		out = append(out, m.services[service][id].inst)
	}
	return out
}

// memWatcher holds the latest set not yet taken by its reader: a slow
// reader skips intermediate sets instead of blocking the registry.
type memWatcher struct {
	ch chan []Instance // capacity 1
}

func (m *Memory) notifyLocked(service string) {
	set := m.instancesLocked(service)
	for w := range m.watchers[service] {
		select { // drop the set the reader has not taken yet
		case <-w.ch:
		default:
		}
		w.ch <- set
	}
}

// Watch returns a channel that receives the instances of service now and
// after every change, until ctx ends; then it is closed. A reader that
// falls behind receives only the latest set.
func (m *Memory) Watch(ctx context.Context, service string) <-chan []Instance {
	w := &memWatcher{ch: make(chan []Instance, 1)}
	out := make(chan []Instance)
	m.mu.Lock()
	if m.watchers[service] == nil {
		m.watchers[service] = map[*memWatcher]struct{}{}
	}
	m.watchers[service][w] = struct{}{}
	w.ch <- m.instancesLocked(service)
	m.mu.Unlock()

	go func() {
		defer close(out)
		defer func() {
			m.mu.Lock()
			delete(m.watchers[service], w)
			m.mu.Unlock()
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case set := <-w.ch:
				select {
				case out <- set:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

// Builder returns a gRPC resolver for this registry: dial
// "memory:///<service>" with grpc.WithResolvers(m.Builder()). Endpoints
// carry the instances as attributes ([Endpoint]).
func (m *Memory) Builder() resolver.Builder { return memBuilder{m} }

type memBuilder struct{ m *Memory }

func (memBuilder) Scheme() string { return MemoryScheme }

func (b memBuilder) Build(target resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	service := strings.TrimPrefix(target.Endpoint(), "/")
	if service == "" || strings.Contains(service, "/") {
		return nil, fmt.Errorf("registry: target %q names no service: dial %s:///<service>", target.URL.String(), MemoryScheme)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &memResolver{cancel: cancel, done: make(chan struct{})}
	updates := b.m.Watch(ctx, service)
	go func() {
		defer close(r.done)
		for set := range updates {
			_ = cc.UpdateState(State(set)) // an error asks for a re-resolve; the watch already delivers every change
		}
	}()
	return r, nil
}

type memResolver struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (*memResolver) ResolveNow(resolver.ResolveNowOptions) {}

func (r *memResolver) Close() {
	r.cancel()
	<-r.done
}
