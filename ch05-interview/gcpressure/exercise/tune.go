package exercise

import (
	"github.com/grpclabs/labs/ch05-interview/gcpressure/diag"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Load is what Measure saw.
type Load = diag.Load

// Measure runs request(i) for i in [0, n) and reports the GC work they
// caused: it forces a GC first (so earlier garbage is not counted), reads
// the counters before and after the requests, and forces a GC at the end
// to read the live heap.
//
// Step 4. Until you write it, it returns the zero Load.
func Measure(n int, request func(i int)) Load {
	return Load{}
}

// Tune sets GOGC (gogc; -1 is off) and GOMEMLIMIT (limit bytes; -1 is no
// limit) for the process and returns a function that puts the previous
// values back. GOGC below -1, a negative limit other than -1, and GOGC off
// with no limit (the heap would grow until the process is killed) are
// errors.
//
// Step 4.
func Tune(gogc int, limit int64) (restore func(), err error) {
	return nil, labkit.TODO("Tune")
}
