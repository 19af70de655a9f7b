package gcpressuretest

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/grpclabs/labs/ch05-interview/gcpressure/diag"
	"github.com/grpclabs/labs/ch05-interview/gcpressure/service"
	"github.com/grpclabs/labs/scripts/labkit"
)

// tune calls Tune, handing a TODO to step 4.
func tune(t *testing.T, l Lab, gogc int, limit int64) func() {
	t.Helper()
	restore, err := l.Tune(gogc, limit)
	step4.Require(t, err)
	return restore
}

// measure calls Measure and stops with step 4's TODO while it reports
// nothing.
func measure(t *testing.T, l Lab, n int, request func(int)) diag.Load {
	t.Helper()
	m := l.Measure(n, request)
	if m == (diag.Load{}) {
		step4.Check(t, labkit.TODO("Measure"))
	}
	return m
}

// gogcNow reads GOGC without changing it (debug.SetGCPercent always sets).
func gogcNow() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(int64(s[0].Value.Uint64()))
}

// TestTune: step 4, GOGC and GOMEMLIMIT set and put back.
func TestTune(t *testing.T, l Lab) {
	defer defaults()()
	restore := tune(t, l, 300, 1<<40)
	if g, lim := gogcNow(), debug.SetMemoryLimit(-1); g != 300 || lim != 1<<40 {
		t.Errorf("after Tune(300, 1<<40): GOGC=%d GOMEMLIMIT=%d", g, lim)
	}
	restore()
	if g, lim := gogcNow(), debug.SetMemoryLimit(-1); g != 100 || lim != math.MaxInt64 {
		t.Errorf("after restore: GOGC=%d GOMEMLIMIT=%d, want the previous 100 and no limit", g, lim)
	}
	restore = tune(t, l, -1, 1<<40)
	if g := gogcNow(); g != -1 {
		t.Errorf("Tune(-1, ...) left GOGC=%d, want -1 (off)", g)
	}
	restore()
	restore = tune(t, l, 50, -1)
	if lim := debug.SetMemoryLimit(-1); lim != math.MaxInt64 {
		t.Errorf("Tune(50, -1) set GOMEMLIMIT=%d, want none (math.MaxInt64)", lim)
	}
	restore()
	for _, bad := range []struct {
		gogc  int
		limit int64
	}{{-2, -1}, {100, -7}, {-1, -1}, {-1, math.MaxInt64}} {
		if restore, err := l.Tune(bad.gogc, bad.limit); step4.Check(t, err) == nil {
			restore()
			t.Errorf("Tune(%d, %d) succeeded; want an error (GOGC=off with no limit never collects)", bad.gogc, bad.limit)
		}
	}
}

// TestMeasure: step 4, Measure's numbers against the runtime's own.
func TestMeasure(t *testing.T, l Lab) {
	defer defaults()()
	var keep [][]byte
	before := cycles()
	m := measure(t, l, 1000, func(int) {
		sink = make([]byte, 10<<10)
		keep = append(keep, make([]byte, 1<<10))
	})
	after := cycles()
	if m.Requests != 1000 {
		t.Errorf("Requests = %d, want 1000", m.Requests)
	}
	if m.AllocatedPerRequest < 11<<10 || m.AllocatedPerRequest > 12<<10 {
		t.Errorf("AllocatedPerRequest = %.0f, want about 11 KiB (10 KiB of garbage and 1 KiB kept per request)", m.AllocatedPerRequest)
	}
	// Measure forces a GC before and after the requests; those two are not
	// the requests' cycles. (A cycle the requests triggered may end just
	// after Measure's last reading: allow one more.)
	if d := after - before; d < m.Cycles+2 || d > m.Cycles+3 {
		t.Errorf("the runtime counted %d cycles during Measure, which reported %d: count only the cycles between the first forced GC and the end of the requests", d, m.Cycles)
	}
	if want := float64(m.Cycles) / 1000; m.CyclesPerRequest != want {
		t.Errorf("CyclesPerRequest = %v, want Cycles/Requests = %v", m.CyclesPerRequest, want)
	}
	if m.LiveHeap < 1000<<10 {
		t.Errorf("LiveHeap = %s, but the requests kept 1000 KiB: read it after a forced GC", mib(m.LiveHeap))
	}
	runtime.KeepAlive(keep)
}

// TestUnderLimit: step 4, the production incident and its fix, measured:
// under a memory limit the shipped service's GC runs far more often per
// request as its heap nears the limit, the bounded one's does not; and
// tuning GOGC spends the memory the fix saved on fewer cycles.
func TestUnderLimit(t *testing.T, l Lab) {
	defer defaults()()
	base := live()
	// Room for the leak plus a tenth: the shipped service ends close to
	// the limit, as the one in production did.
	limit := int64(base) + requests*2048*11/10
	secondHalf := func(c service.Cache, gogc int, lim int64) diag.Load {
		t.Helper()
		svc := service.New(c)
		restore := tune(t, l, gogc, lim)
		defer restore()
		measure(t, l, requests/2, func(i int) { load(svc, i, 1) })
		m := measure(t, l, requests/2, func(i int) { load(svc, requests/2+i, 1) })
		runtime.KeepAlive(svc) // the service lives on, as a real one does
		return m
	}
	leaky := secondHalf(service.NewUnbounded(), -1, limit)
	fixed := secondHalf(newBounded(t, l, cacheSize, time.Hour, nil), -1, limit)
	untuned := secondHalf(newBounded(t, l, cacheSize, time.Hour, nil), 100, -1)
	t.Logf("GC cycles per 1000 requests in the second %d: shipped cache with GOMEMLIMIT=%s, GOGC=off: %.2f (live %s); Bounded, same settings: %.2f (live %s); Bounded, GOGC=100, no limit: %.2f",
		requests/2, mib(uint64(limit)), 1000*leaky.CyclesPerRequest, mib(leaky.LiveHeap), 1000*fixed.CyclesPerRequest, mib(fixed.LiveHeap), 1000*untuned.CyclesPerRequest)
	// Measured here: 5x to 9x. 2x leaves room for the pacer's variation.
	if leaky.CyclesPerRequest < 2*fixed.CyclesPerRequest {
		t.Errorf("near the memory limit the shipped service ran %.2f cycles per 1000 requests, the bounded one %.2f: want the fix to cut them at least 2x",
			1000*leaky.CyclesPerRequest, 1000*fixed.CyclesPerRequest)
	}
	if untuned.CyclesPerRequest < 2*fixed.CyclesPerRequest {
		t.Errorf("Bounded at GOGC=100 ran %.2f cycles per 1000 requests, with GOGC=off and a limit %.2f: tuning should cut them at least 2x",
			1000*untuned.CyclesPerRequest, 1000*fixed.CyclesPerRequest)
	}
}
