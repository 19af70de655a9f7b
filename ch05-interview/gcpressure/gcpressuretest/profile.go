package gcpressuretest

import (
	"bytes"
	"math"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/grpclabs/labs/ch05-interview/gcpressure/diag"
	"github.com/grpclabs/labs/ch05-interview/gcpressure/service"
)

// renderFunc is the allocation site of the pages the leaky cache keeps.
const renderFunc = "github.com/grpclabs/labs/ch05-interview/gcpressure/service.(*Service).render"

// cannedProfile is a small heap profile in the debug=1 format, sampled at
// the default rate (heap/1048576: one sample per 512 KiB).
const cannedProfile = `heap profile: 4: 4096 [12: 12288] @ heap/1048576
2: 2048 [5: 5120] @ 0x1 0x2
#	0x1	example.com/svc.(*Service).render+0x7d	/src/svc.go:12
#	0x2	example.com/svc.(*Service).Page+0x12	/src/svc.go:30

1: 1024 [1: 1024] @ 0x7 0x2
#	0x7	example.com/svc.(*Service).render+0x99	/src/svc.go:14
#	0x2	example.com/svc.(*Service).Page+0x12	/src/svc.go:30

1: 1024 [3: 3072] @ 0x3 0x4 0x5
#	0x3	runtime.mallocgc+0xcb	/go/src/runtime/malloc.go:1143
#	0x4	runtime.growslice+0x1	/go/src/runtime/slice.go:1
#	0x5	example.com/svc.(*Cache).Put+0x9	/src/cache.go:9

0: 0 [3: 3072] @ 0x6
#	0x6	example.com/svc.temp+0x1	/src/svc.go:40

0: 0 [1: 128] @ 0x8 0x9
#	0x8	runtime.mallocgc+0xcb	/go/src/runtime/malloc.go:1143
#	0x9	runtime.makechan+0xe7	/go/src/runtime/chan.go:105

# runtime.MemStats
# Alloc = 123456
# 1: 2 [3: 4] @ 0x1
`

// scaled is pprof's correction for sampling at rate bytes: an allocation
// of size s is sampled with probability 1 - e^(-s/rate).
func scaled(objects, size int64, rate float64) (int64, int64) {
	f := 1 / (1 - math.Exp(-float64(size)/float64(objects)/rate))
	return int64(float64(objects) * f), int64(float64(size) * f)
}

// topInuse calls TopInuse, handing a TODO to step 2.
func topInuse(t *testing.T, l Lab, profile string, n int) ([]diag.Site, error) {
	t.Helper()
	sites, err := l.TopInuse(strings.NewReader(profile), n)
	return sites, step2.Check(t, err)
}

// TestFindLeak: step 2, reading a heap profile: a canned one, bad ones,
// and a real one of the leaking service.
func TestFindLeak(t *testing.T, l Lab) {
	t.Run("canned", func(t *testing.T) {
		sites, err := topInuse(t, l, cannedProfile, 0)
		if err != nil {
			t.Fatal(err)
		}
		o1, b1 := scaled(2, 2048, 512<<10)
		o2, b2 := scaled(1, 1024, 512<<10)
		o3, b3 := scaled(1, 1024, 512<<10)
		want := []diag.Site{
			{Func: "example.com/svc.(*Service).render", InuseBytes: b1 + b2, InuseObjects: o1 + o2},
			{Func: "example.com/svc.(*Cache).Put", InuseBytes: b3, InuseObjects: o3},
		}
		if !sameSites(sites, want) {
			t.Errorf("TopInuse(canned profile, 0) =\n  %+v\nwant\n  %+v\n"+
				"(one site per function, the first frame outside the runtime; counts scaled by 1/(1-e^(-avg/rate)) with rate = heap/N / 2; sites with nothing in use left out; largest first)",
				sites, want)
		}
		if sites, _ := topInuse(t, l, cannedProfile, 1); len(sites) != 1 || sites[0].Func != want[0].Func {
			t.Errorf("TopInuse(canned profile, 1) = %+v, want only the largest site", sites)
		}
		// At MemProfileRate=1 (heap/2) every allocation is recorded: no scaling.
		exact := strings.Replace(cannedProfile, "heap/1048576", "heap/2", 1)
		if sites, _ := topInuse(t, l, exact, 1); len(sites) != 1 || sites[0].InuseBytes != 3072 || sites[0].InuseObjects != 3 {
			t.Errorf("TopInuse(profile at heap/2, 1) = %+v, want render with exactly 3 objects, 3072 bytes", sites)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		const header = "heap profile: 1: 2 [3: 4] @ heap/1048576\n"
		for _, bad := range []string{
			"",
			"goroutine profile: total 4\n",
			"heap profile: 1: 2 [3: 4]\n",
			"heap profile: 1: 2 [3: 4] @ heap/lots\n",
			header + "1: many [2: 3] @ 0x1\n#\t0x1\tf+0x1\tf.go:1\n",
			header + "1: 2 @ 0x1\n",
			header + "#\t0x1\tf+0x1\tf.go:1\n",
			header + "1: 2 [3: 4] @ 0x1\n#\n",
		} {
			sites, err := topInuse(t, l, bad, 0)
			if err == nil {
				t.Errorf("TopInuse(%q) = %+v, nil; want an error", bad, sites)
			}
		}
	})
	t.Run("the leaking service", func(t *testing.T) {
		defer defaults()()
		svc := service.New(service.NewUnbounded())
		load(svc, 0, 1) // a page before the baseline, so its allocations are warm
		before := live()
		load(svc, 1, requests)
		grown := live() - before
		runtime.GC() // the profile shows the heap as of the last completed cycle
		var buf bytes.Buffer
		if err := pprof.Lookup("heap").WriteTo(&buf, 1); err != nil {
			t.Fatal(err)
		}
		runtime.KeepAlive(svc)
		sites, err := topInuse(t, l, buf.String(), 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(sites) == 0 || sites[0].Func != renderFunc {
			t.Fatalf("the live heap grew %s over %d requests; TopInuse's largest site is %+v, want %s (where the pages the cache keeps were allocated)",
				mib(grown), requests, sites, renderFunc)
		}
		truth := float64(requests * 2048) // a 2 KiB page in a 2048-byte size class each
		t.Logf("live heap +%s; the profile's estimate for render: %s (%d objects) against %s allocated and kept",
			mib(grown), mib(uint64(sites[0].InuseBytes)), sites[0].InuseObjects, mib(uint64(truth)))
		// About 80 samples: the estimate is within ±11% one time in three.
		if r := float64(sites[0].InuseBytes) / truth; r < 0.5 || r > 2 {
			t.Errorf("the estimate for render is %.2fx the %s really kept: scale the sampled counts back up", r, mib(uint64(truth)))
		}
	})
}

// FuzzTopInuse: step 2, TopInuse reads bytes from a network endpoint: it
// never panics, and what it returns is consistent.
func FuzzTopInuse(f *testing.F, l Lab) {
	f.Add(cannedProfile)
	f.Add("heap profile: 0: 0 [0: 0] @ heap/0\n")
	f.Add("heap profile: 1: 2 [3: 4] @ heap/1048576\n1: 2 [3: 4] @ 0x1\n#\t0x1\tf+0x1\tf.go:1\n")
	f.Fuzz(func(t *testing.T, profile string) {
		sites, err := l.TopInuse(strings.NewReader(profile), 0)
		if step2.Check(t, err) != nil {
			return
		}
		seen := map[string]bool{}
		for i, s := range sites {
			if s.InuseBytes <= 0 || seen[s.Func] || (i > 0 && s.InuseBytes > sites[i-1].InuseBytes) {
				t.Fatalf("TopInuse = %+v: want distinct functions with bytes in use, largest first", sites)
			}
			seen[s.Func] = true
		}
	})
}

func sameSites(got, want []diag.Site) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := got[i], want[i]
		// Rounding of the scaled counts may differ by one.
		if g.Func != w.Func || abs(g.InuseBytes-w.InuseBytes) > 2048 || abs(g.InuseObjects-w.InuseObjects) > 2 {
			return false
		}
	}
	return true
}

func abs(x int64) int64 { return max(x, -x) }
