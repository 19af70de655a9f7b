package exercise_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch03-concurrency/channels/channelstest"
	"github.com/grpclabs/labs/ch03-concurrency/channels/exercise"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestHandOff(t *testing.T)  { channelstest.TestHandOff(t, exercise.HandOff[string]) }
func TestGather(t *testing.T)   { channelstest.TestGather(t, exercise.Gather) }
func TestFailFast(t *testing.T) { channelstest.TestFailFast(t, exercise.FailFast) }
func TestHedged(t *testing.T)   { channelstest.TestHedged(t, exercise.Hedged) }
func TestPool(t *testing.T)     { channelstest.TestPool(t, exercise.NewPool, exercise.ErrClosed) }
func TestPipeline(t *testing.T) {
	channelstest.TestPipeline(t, exercise.Map[int, int], exercise.Collect[int])
}
