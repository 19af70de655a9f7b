// Package gcpressuretest is the gcpressure drill's suite. The exercise and
// the solution both run it through their one-screen *_test.go files.
//
// Everything is measured in the test process itself, with the real
// runtime: the collector's counters from runtime/metrics, a heap profile
// from runtime/pprof, GOGC and GOMEMLIMIT set with runtime/debug. To stay
// deterministic on a busy machine and under -race, no assertion is about
// time: the suite forces a GC before it reads a live heap, counts cycles
// (which depend on bytes allocated, not on how fast), and compares the
// leaky service with the fixed one by ratios, not by absolute numbers.
package gcpressuretest

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"time"

	"github.com/grpclabs/labs/ch05-interview/gcpressure/diag"
	"github.com/grpclabs/labs/ch05-interview/gcpressure/service"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch05-interview/gcpressure"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "ReadGC"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "TopInuse"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "Bounded"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "Tune and Measure"}
)

// Lab is one implementation of the drill.
type Lab struct {
	ReadGC     func() diag.GCStats
	TopInuse   func(r io.Reader, n int) ([]diag.Site, error)
	NewBounded func(size int, ttl time.Duration, now func() time.Time) service.Cache
	Tune       func(gogc int, limit int64) (restore func(), err error)
	Measure    func(n int, request func(i int)) diag.Load
}

// requests is how many distinct requests a leak run makes: with 2 KiB
// pages, about 40 MiB that the unbounded cache keeps.
const requests = 20_000

// cacheSize is the bounded cache's size in the suite: about 2 MiB of pages.
const cacheSize = 1000

// load sends n distinct requests to svc, the way the production traffic
// did: every URL carries a fresh request id.
func load(svc *service.Service, from, n int) {
	for i := from; i < from+n; i++ {
		svc.Page(i%5000, "req="+strconv.Itoa(i))
	}
}

// live forces a GC and returns the live heap, read by the suite itself.
func live() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// cycles returns the GC cycles so far, read by the suite itself.
func cycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// defaults puts GOGC=100 and no memory limit back, and returns a restore
// for whatever was set before (the test binary may run with GOGC set).
func defaults() (restore func()) {
	g := debug.SetGCPercent(100)
	l := debug.SetMemoryLimit(math.MaxInt64)
	return func() { debug.SetGCPercent(g); debug.SetMemoryLimit(l) }
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
