// Package solution is the reference for the gcpressure drill: Go's answer
// to "the service does frequent full GCs, how do you find out why?"
// (线上服务频繁Full GC如何排查). runtime/metrics stands in for jstat, a heap
// profile for jmap -histo:live, a bounded cache is the fix, and GOGC and
// GOMEMLIMIT are the tuning knobs. README.md explains the choices.
package solution

import (
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
