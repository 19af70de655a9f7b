package exercise_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/bptree/bptreetest"
	"github.com/grpclabs/labs/ch05-interview/bptree/exercise"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestHash(t *testing.T)      { bptreetest.TestHash(t, exercise.NewHash) }
func TestTreeLeaf(t *testing.T)  { bptreetest.TestTreeLeaf(t, exercise.NewTree) }
func TestTreeSplit(t *testing.T) { bptreetest.TestTreeSplit(t, exercise.NewTree) }
func TestRange(t *testing.T)     { bptreetest.TestRange(t, exercise.NewTree, exercise.NewHash) }

func BenchmarkIndexes(b *testing.B) {
	bptreetest.BenchmarkIndexes(b, exercise.NewTree, exercise.NewHash)
}
