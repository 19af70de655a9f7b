package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch03-concurrency/channels/channelstest"
	"github.com/grpclabs/labs/ch03-concurrency/channels/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestHandOff(t *testing.T)  { channelstest.TestHandOff(t, solution.HandOff[string]) }
func TestGather(t *testing.T)   { channelstest.TestGather(t, solution.Gather) }
func TestFailFast(t *testing.T) { channelstest.TestFailFast(t, solution.FailFast) }
func TestHedged(t *testing.T)   { channelstest.TestHedged(t, solution.Hedged) }
func TestPool(t *testing.T)     { channelstest.TestPool(t, solution.NewPool, solution.ErrClosed) }
func TestPipeline(t *testing.T) {
	channelstest.TestPipeline(t, solution.Map[int, int], solution.Collect[int])
}
