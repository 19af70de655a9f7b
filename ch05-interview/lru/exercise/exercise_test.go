package exercise_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/lru/exercise"
	"github.com/grpclabs/labs/ch05-interview/lru/lrutest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLRU(t *testing.T)     { lrutest.TestLRU(t, exercise.New[string, int]) }
func TestTTL(t *testing.T)     { lrutest.TestTTL(t, exercise.New[string, int]) }
func TestSharded(t *testing.T) { lrutest.TestSharded(t, exercise.NewSharded[string, int]) }

func BenchmarkCaches(b *testing.B) {
	lrutest.BenchmarkCaches(b, exercise.New[string, int], exercise.NewSharded[string, int])
}

func BenchmarkSteps(b *testing.B) { lrutest.BenchmarkSteps(b, exercise.New[string, int]) }
