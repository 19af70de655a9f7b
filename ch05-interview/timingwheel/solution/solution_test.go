package solution_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/timingwheel/solution"
	"github.com/grpclabs/labs/ch05-interview/timingwheel/timingwheeltest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var lab = timingwheeltest.Lab[*solution.Timer, *solution.Wheel]{
	New:        solution.New,
	NewOrders:  func(w *solution.Wheel, d time.Duration) timingwheeltest.Orders { return solution.NewOrders(w, d) },
	ErrExpired: solution.ErrExpired,
}

func TestWheel(t *testing.T)     { timingwheeltest.TestWheel(t, lab) }
func TestHierarchy(t *testing.T) { timingwheeltest.TestHierarchy(t, lab) }
func TestRun(t *testing.T)       { timingwheeltest.TestRun(t, lab) }
func TestOrders(t *testing.T)    { timingwheeltest.TestOrders(t, lab) }

func BenchmarkSchedule(b *testing.B) { timingwheeltest.BenchmarkSchedule(b, lab) }
