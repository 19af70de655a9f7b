package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/lru/lrutest"
	"github.com/grpclabs/labs/ch05-interview/lru/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLRU(t *testing.T)     { lrutest.TestLRU(t, solution.New[string, int]) }
func TestTTL(t *testing.T)     { lrutest.TestTTL(t, solution.New[string, int]) }
func TestSharded(t *testing.T) { lrutest.TestSharded(t, solution.NewSharded[string, int]) }

func BenchmarkCaches(b *testing.B) {
	lrutest.BenchmarkCaches(b, solution.New[string, int], solution.NewSharded[string, int])
}

func BenchmarkSteps(b *testing.B) { lrutest.BenchmarkSteps(b, solution.New[string, int]) }
