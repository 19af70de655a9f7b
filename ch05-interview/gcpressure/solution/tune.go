package solution

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"

	"github.com/grpclabs/labs/ch05-interview/gcpressure/diag"
)

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
