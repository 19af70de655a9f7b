// Package mapbench holds four concurrent maps from string to int, one per
// way of sharing a map between goroutines in Go, so that their benchmarks
// (bench_test.go) can compare them on read-heavy and write-heavy mixes:
//
//	go test -run '^$' -bench . -cpu 1,2 ./ch03-concurrency/syncprims/mapbench
//
// It is reference code for the syncprims lab's README, not an exercise.
package mapbench

import "sync"

// Map is what every variant offers.
type Map interface {
	Load(key string) (int, bool)
	Store(key string, v int)
}

// MutexMap guards a plain map with one sync.Mutex: readers exclude each
// other too.
type MutexMap struct {
	mu sync.Mutex
	m  map[string]int
}

func NewMutexMap() *MutexMap { return &MutexMap{m: map[string]int{}} }

func (m *MutexMap) Load(k string) (int, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[k]
	return v, ok
}

func (m *MutexMap) Store(k string, v int) {
	m.mu.Lock()
	m.m[k] = v
	m.mu.Unlock()
}

// RWMutexMap lets readers share the lock. RLock still writes to the
// RWMutex's reader count, so all readers contend on one cache line.
type RWMutexMap struct {
	mu sync.RWMutex
	m  map[string]int
}

func NewRWMutexMap() *RWMutexMap { return &RWMutexMap{m: map[string]int{}} }

func (m *RWMutexMap) Load(k string) (int, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, ok := m.m[k]
	return v, ok
}

func (m *RWMutexMap) Store(k string, v int) {
	m.mu.Lock()
	m.m[k] = v
	m.mu.Unlock()
}

// SyncMap is sync.Map behind the same interface.
type SyncMap struct{ m sync.Map }

func NewSyncMap() *SyncMap { return &SyncMap{} }

func (m *SyncMap) Load(k string) (int, bool) {
	v, ok := m.m.Load(k)
	if !ok {
		return 0, false
	}
	return v.(int), true
}

func (m *SyncMap) Store(k string, v int) { m.m.Store(k, v) }

// ShardedMap splits the keys over N independently locked maps, chosen by a
// hash of the key, so goroutines touching different keys rarely meet on
// the same lock.
type ShardedMap struct {
	shards []shard
}

type shard struct {
	mu sync.RWMutex
	m  map[string]int
	// Pad each shard to its own 64-byte cache line, so that locking one
	// shard does not slow down the core using its neighbour.
	_ [64 - 24 - 8]byte
}

// NewShardedMap returns a map with n shards (n >= 1).
func NewShardedMap(n int) *ShardedMap {
	s := &ShardedMap{shards: make([]shard, max(n, 1))}
	for i := range s.shards {
		s.shards[i].m = map[string]int{}
	}
	return s
}

// fnv32a is FNV-1a, 32 bits, written out so that hashing allocates nothing
// (hash/fnv's New32a returns an interface that escapes to the heap). The
// tests check it against hash/fnv.
func fnv32a(s string) uint32 {
	const offset, prime = 2166136261, 16777619
	h := uint32(offset)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= prime
	}
	return h
}

func (m *ShardedMap) shard(k string) *shard {
	return &m.shards[fnv32a(k)%uint32(len(m.shards))]
}

func (m *ShardedMap) Load(k string) (int, bool) {
	s := m.shard(k)
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.m[k]
	return v, ok
}

func (m *ShardedMap) Store(k string, v int) {
	s := m.shard(k)
	s.mu.Lock()
	s.m[k] = v
	s.mu.Unlock()
}
