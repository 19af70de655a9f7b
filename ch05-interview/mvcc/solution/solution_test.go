package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/mvcc/mvcctest"
	"github.com/grpclabs/labs/ch05-interview/mvcc/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestReadView(t *testing.T)      { mvcctest.TestReadView(t, solution.NewStore) }
func TestSnapshotReads(t *testing.T) { mvcctest.TestSnapshotReads(t, solution.NewStore) }
func TestPhantoms(t *testing.T)      { mvcctest.TestPhantoms(t, solution.NewStore) }
func TestLocks(t *testing.T)         { mvcctest.TestLocks(t, solution.NewStore) }
func TestSerializable(t *testing.T)  { mvcctest.TestSerializable(t, solution.NewStore) }
