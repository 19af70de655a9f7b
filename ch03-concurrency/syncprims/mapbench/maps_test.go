package mapbench

import (
	"fmt"
	"hash/fnv"
	"sync"
	"testing"
	"unsafe"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var variants = []struct {
	name string
	new  func() Map
}{
	{"Mutex", func() Map { return NewMutexMap() }},
	{"RWMutex", func() Map { return NewRWMutexMap() }},
	{"SyncMap", func() Map { return NewSyncMap() }},
	{"Sharded16", func() Map { return NewShardedMap(16) }},
}

// Every variant is a correct concurrent map: -race watches, and every
// goroutine's last write must be readable afterwards.
func TestMaps(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			m := v.new()
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for i := range 200 {
						k := fmt.Sprint("g", g, "k", i%20)
						m.Store(k, i)
						if got, ok := m.Load(k); !ok || got != i {
							t.Errorf("%s: Load(%s) = %d, %v right after Store(%d)", v.name, k, got, ok, i)
							return
						}
					}
				})
			}
			wg.Wait()
			if _, ok := m.Load("never stored"); ok {
				t.Errorf("%s: Load of a key never stored reported ok", v.name)
			}
		})
	}
}

// Our allocation-free FNV-1a must agree with the standard library's.
func TestFNV(t *testing.T) {
	for _, s := range []string{"", "a", "key-1023", "émile", "\x00\xff"} {
		h := fnv.New32a()
		h.Write([]byte(s))
		if got, want := fnv32a(s), h.Sum32(); got != want {
			t.Errorf("fnv32a(%q) = %#x, hash/fnv says %#x", s, got, want)
		}
	}
}

func TestShardPadding(t *testing.T) {
	if size := unsafe.Sizeof(shard{}); size != 64 {
		t.Fatalf("shard is %d bytes, want 64 (one cache line)", size)
	}
}
