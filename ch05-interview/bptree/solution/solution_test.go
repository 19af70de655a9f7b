package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/bptree/bptreetest"
	"github.com/grpclabs/labs/ch05-interview/bptree/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestHash(t *testing.T)      { bptreetest.TestHash(t, solution.NewHash) }
func TestTreeLeaf(t *testing.T)  { bptreetest.TestTreeLeaf(t, solution.NewTree) }
func TestTreeSplit(t *testing.T) { bptreetest.TestTreeSplit(t, solution.NewTree) }
func TestRange(t *testing.T)     { bptreetest.TestRange(t, solution.NewTree, solution.NewHash) }

func BenchmarkIndexes(b *testing.B) {
	bptreetest.BenchmarkIndexes(b, solution.NewTree, solution.NewHash)
}
