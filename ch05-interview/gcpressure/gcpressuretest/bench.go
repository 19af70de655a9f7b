package gcpressuretest

import (
	"runtime"
	"testing"
	"time"

	"github.com/grpclabs/labs/ch05-interview/gcpressure/service"
)

// BenchmarkGC serves distinct requests (a fresh request id each, as in
// production) with the shipped cache and with a bounded one, at GOGC=100,
// and under a memory limit with GOGC off. It reports what the README's
// table shows: GC cycles per 1000 requests, the live heap at the end, and
// the GC's share of CPU time.
func BenchmarkGC(b *testing.B, l Lab) {
	for _, c := range []struct {
		name  string
		cache func() service.Cache
		gogc  int
		limit bool
	}{
		{"cache=unbounded/gogc=100", func() service.Cache { return service.NewUnbounded() }, 100, false},
		{"cache=unbounded/gogc=off,limit", func() service.Cache { return service.NewUnbounded() }, -1, true},
		{"cache=bounded/gogc=100", func() service.Cache { return l.NewBounded(cacheSize, time.Hour, nil) }, 100, false},
		{"cache=bounded/gogc=off,limit", func() service.Cache { return l.NewBounded(cacheSize, time.Hour, nil) }, -1, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			defer defaults()()
			limit := int64(-1)
			if c.limit {
				limit = int64(live()) + requests*2048*11/10
			}
			restore, err := l.Tune(c.gogc, limit)
			if err != nil {
				b.Fatal(err)
			}
			defer restore()
			var total, gcCycles uint64
			var liveHeap uint64
			gcStart := l.ReadGC().GCCPUSeconds
			start := time.Now()
			for b.Loop() {
				// One op is a whole run: the heap must grow from empty.
				svc := service.New(c.cache())
				m := l.Measure(requests, func(i int) { load(svc, i, 1) })
				runtime.KeepAlive(svc)
				total += uint64(m.Requests)
				gcCycles += m.Cycles
				liveHeap = m.LiveHeap
			}
			gcCPU := l.ReadGC().GCCPUSeconds - gcStart
			b.ReportMetric(1000*float64(gcCycles)/float64(total), "gc/1000req")
			b.ReportMetric(float64(liveHeap)/(1<<20), "live-MiB")
			b.ReportMetric(gcCPU/time.Since(start).Seconds(), "gc-cpu/wall")
		})
	}
}
