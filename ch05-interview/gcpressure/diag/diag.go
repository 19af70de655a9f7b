// Package diag holds the types the gcpressure drill's diagnosis functions
// return, shared by the exercise, the solution and the suite.
package diag

// GCStats is one reading of the collector's counters, Go's jstat -gcutil.
type GCStats struct {
	Cycles uint64 // GC cycles completed since the process started
	Forced uint64 // of those, forced by runtime.GC
	// LiveHeap is the heap the last GC found reachable; HeapGoal the heap
	// size at which the next cycle starts.
	LiveHeap, HeapGoal uint64
	// HeapObjects is the memory of heap objects now, live and garbage not
	// yet swept (runtime.MemStats.HeapAlloc).
	HeapObjects uint64
	// Allocated is the total bytes ever allocated on the heap.
	Allocated uint64
	// GOGC is the heap growth percentage, -1 when off; MemoryLimit is
	// GOMEMLIMIT in bytes (math.MaxInt64 when unset).
	GOGC        int
	MemoryLimit int64
	// GCCPUSeconds estimates the CPU time spent in the GC so far.
	GCCPUSeconds float64
}

// Load is what a measured run of requests cost the collector.
type Load struct {
	Requests int
	// Cycles is how many GC cycles ran during the requests.
	Cycles           uint64
	CyclesPerRequest float64
	// AllocatedPerRequest is heap bytes allocated per request.
	AllocatedPerRequest float64
	// LiveHeap is the reachable heap after the requests, measured after a
	// forced GC.
	LiveHeap uint64
}

// Site is one allocation site of a heap profile: the function whose
// allocations are still reachable, with the profile's estimate of how much.
type Site struct {
	Func         string // e.g. "example.com/svc.(*Service).render"
	InuseBytes   int64  // estimated bytes still reachable
	InuseObjects int64  // estimated objects still reachable
}
