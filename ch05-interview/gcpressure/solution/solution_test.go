package solution_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/gcpressure/gcpressuretest"
	"github.com/grpclabs/labs/ch05-interview/gcpressure/service"
	"github.com/grpclabs/labs/ch05-interview/gcpressure/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var lab = gcpressuretest.Lab{
	ReadGC: solution.ReadGC, TopInuse: solution.TopInuse, Tune: solution.Tune, Measure: solution.Measure,
	NewBounded: func(size int, ttl time.Duration, now func() time.Time) service.Cache {
		return solution.NewBounded(size, ttl, now)
	},
}

func TestReadGC(t *testing.T)      { gcpressuretest.TestReadGC(t, lab) }
func TestFindLeak(t *testing.T)    { gcpressuretest.TestFindLeak(t, lab) }
func FuzzTopInuse(f *testing.F)    { gcpressuretest.FuzzTopInuse(f, lab) }
func TestBounded(t *testing.T)     { gcpressuretest.TestBounded(t, lab) }
func TestHeapBounded(t *testing.T) { gcpressuretest.TestHeapBounded(t, lab) }
func TestTune(t *testing.T)        { gcpressuretest.TestTune(t, lab) }
func TestMeasure(t *testing.T)     { gcpressuretest.TestMeasure(t, lab) }
func TestUnderLimit(t *testing.T)  { gcpressuretest.TestUnderLimit(t, lab) }

func BenchmarkGC(b *testing.B) { gcpressuretest.BenchmarkGC(b, lab) }
