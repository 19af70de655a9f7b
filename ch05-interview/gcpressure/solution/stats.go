// Package solution is the reference for the gcpressure drill: Go's answer
// to "the service does frequent full GCs, how do you find out why?"
// (线上服务频繁Full GC如何排查). runtime/metrics stands in for jstat, a heap
// profile for jmap -histo:live, a bounded cache is the fix, and GOGC and
// GOMEMLIMIT are the tuning knobs. README.md explains the choices.
package solution

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"

	"github.com/grpclabs/labs/ch05-interview/gcpressure/diag"
)

// GCStats is one reading of the collector's counters.
type GCStats = diag.GCStats

// The runtime/metrics names, read in one call. Unlike
// runtime.ReadMemStats, metrics.Read does not stop the world.
var gcMetrics = []string{
	"/gc/cycles/total:gc-cycles",
	"/gc/cycles/forced:gc-cycles",
	"/gc/heap/live:bytes",
	"/gc/heap/goal:bytes",
	"/memory/classes/heap/objects:bytes",
	"/gc/heap/allocs:bytes",
	"/gc/gogc:percent",
	"/gc/gomemlimit:bytes",
	"/cpu/classes/gc/total:cpu-seconds",
}

// ReadGC reads the collector's counters.
func ReadGC() GCStats {
	s := make([]metrics.Sample, len(gcMetrics))
	for i, name := range gcMetrics {
		s[i].Name = name
	}
	metrics.Read(s)
	u := func(i int) uint64 { return s[i].Value.Uint64() }
	return GCStats{
		Cycles: u(0), Forced: u(1), LiveHeap: u(2), HeapGoal: u(3), HeapObjects: u(4), Allocated: u(5),
		// Both are stored as uint64: GOGC=off is -1, no limit is MaxInt64.
		GOGC:         int(int64(u(6))),
		MemoryLimit:  int64(u(7)),
		GCCPUSeconds: s[8].Value.Float64(),
	}
}

// Load is what Measure saw.
type Load = diag.Load

// Measure runs request(i) for i in [0, n) and reports the GC work they
// caused. It forces a GC first, so that the run starts from a collected
// heap and earlier garbage does not trigger cycles counted here, and one
// after, to read the live heap.
func Measure(n int, request func(i int)) Load {
	runtime.GC()
	before := ReadGC()
	for i := range n {
		request(i)
	}
	after := ReadGC()
	runtime.GC()
	live := ReadGC().LiveHeap
	cycles := after.Cycles - before.Cycles
	return Load{
		Requests:            n,
		Cycles:              cycles,
		CyclesPerRequest:    float64(cycles) / float64(max(n, 1)),
		AllocatedPerRequest: float64(after.Allocated-before.Allocated) / float64(max(n, 1)),
		LiveHeap:            live,
	}
}

// Tune sets GOGC (gogc; -1 is off) and GOMEMLIMIT (limit bytes; -1 or
// math.MaxInt64 is no limit) for the process, as the environment variables
// would at start, and returns a function that puts the previous values
// back. With GOGC off the heap grows until it reaches the limit, so the
// collector runs only when memory is actually short: the fewest cycles,
// at the price of using the memory the limit allows.
func Tune(gogc int, limit int64) (restore func(), err error) {
	if gogc < -1 {
		return nil, fmt.Errorf("GOGC %d: want -1 (off) or a percentage >= 0", gogc)
	}
	if limit == -1 {
		limit = math.MaxInt64
	}
	if limit < 0 {
		return nil, fmt.Errorf("GOMEMLIMIT %d bytes: want a size or -1 (none)", limit)
	}
	if gogc == -1 && limit == math.MaxInt64 {
		return nil, fmt.Errorf("GOGC=off with no GOMEMLIMIT never collects: the heap grows until the process is killed")
	}
	oldLimit := debug.SetMemoryLimit(limit)
	oldGOGC := debug.SetGCPercent(gogc)
	return func() {
		debug.SetGCPercent(oldGOGC)
		debug.SetMemoryLimit(oldLimit)
	}, nil
}
