package gcpressuretest

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/grpclabs/labs/ch05-interview/gcpressure/diag"
	"github.com/grpclabs/labs/scripts/labkit"
)

var sink []byte

// readGC calls ReadGC, and stops with step 1's TODO while it returns
// nothing (after a GC, a real reading always has cycles and a GOGC).
func readGC(t *testing.T, l Lab) diag.GCStats {
	t.Helper()
	s := l.ReadGC()
	if s == (diag.GCStats{}) {
		step1.Check(t, labkit.TODO("ReadGC"))
	}
	return s
}

// TestReadGC: step 1, the collector's counters from runtime/metrics,
// cross-checked with runtime.ReadMemStats and runtime/debug.
func TestReadGC(t *testing.T, l Lab) {
	defer defaults()()
	t.Run("counters", func(t *testing.T) {
		runtime.GC()
		s := readGC(t, l)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if s.Cycles != uint64(ms.NumGC) || s.Forced != uint64(ms.NumForcedGC) {
			t.Errorf("Cycles=%d Forced=%d, MemStats says NumGC=%d NumForcedGC=%d: read /gc/cycles/total:gc-cycles and /gc/cycles/forced:gc-cycles",
				s.Cycles, s.Forced, ms.NumGC, ms.NumForcedGC)
		}
		if s.LiveHeap == 0 || s.LiveHeap > s.HeapGoal {
			t.Errorf("LiveHeap=%d HeapGoal=%d: want 0 < live <= goal (/gc/heap/live:bytes, /gc/heap/goal:bytes)", s.LiveHeap, s.HeapGoal)
		}
		if d := int64(s.HeapObjects) - int64(ms.HeapAlloc); d < -256<<10 || d > 256<<10 {
			t.Errorf("HeapObjects=%d but MemStats.HeapAlloc=%d: read /memory/classes/heap/objects:bytes", s.HeapObjects, ms.HeapAlloc)
		}
		runtime.GC()
		if after := readGC(t, l); after.Cycles != s.Cycles+1 || after.Forced != s.Forced+1 {
			t.Errorf("one runtime.GC moved Cycles %d -> %d and Forced %d -> %d; want +1 each", s.Cycles, after.Cycles, s.Forced, after.Forced)
		}
	})
	t.Run("allocated", func(t *testing.T) {
		before := readGC(t, l)
		sink = make([]byte, 4<<20)
		after := readGC(t, l)
		sink = nil
		if d := after.Allocated - before.Allocated; d < 4<<20 || d > 5<<20 {
			t.Errorf("allocating 4 MiB moved Allocated by %d bytes: read /gc/heap/allocs:bytes", d)
		}
		if after.GCCPUSeconds < before.GCCPUSeconds || after.GCCPUSeconds == 0 {
			t.Errorf("GCCPUSeconds %v then %v: read /cpu/classes/gc/total:cpu-seconds (cumulative, > 0 once a GC ran)", before.GCCPUSeconds, after.GCCPUSeconds)
		}
	})
	t.Run("settings", func(t *testing.T) {
		for _, c := range []struct {
			gogc  int
			limit int64
		}{{250, 1 << 40}, {-1, 3 << 30}, {0, 512 << 20}, {100, math.MaxInt64}} {
			debug.SetGCPercent(c.gogc)
			debug.SetMemoryLimit(c.limit)
			s := readGC(t, l)
			if s.GOGC != c.gogc || s.MemoryLimit != c.limit {
				t.Errorf("with GOGC=%d GOMEMLIMIT=%d, ReadGC says GOGC=%d MemoryLimit=%d (off is -1: the metric is a uint64 holding an int64)",
					c.gogc, c.limit, s.GOGC, s.MemoryLimit)
			}
		}
	})
}
