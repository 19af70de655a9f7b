package exercise_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/timingwheel/exercise"
	"github.com/grpclabs/labs/ch05-interview/timingwheel/timingwheeltest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var lab = timingwheeltest.Lab[*exercise.Timer, *exercise.Wheel]{
	New:        exercise.New,
	NewOrders:  func(w *exercise.Wheel, d time.Duration) timingwheeltest.Orders { return exercise.NewOrders(w, d) },
	ErrExpired: exercise.ErrExpired,
}

func TestWheel(t *testing.T)     { timingwheeltest.TestWheel(t, lab) }
func TestHierarchy(t *testing.T) { timingwheeltest.TestHierarchy(t, lab) }
func TestRun(t *testing.T)       { timingwheeltest.TestRun(t, lab) }
func TestOrders(t *testing.T)    { timingwheeltest.TestOrders(t, lab) }
