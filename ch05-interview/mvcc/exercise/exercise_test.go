package exercise_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/mvcc/exercise"
	"github.com/grpclabs/labs/ch05-interview/mvcc/mvcctest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestReadView(t *testing.T)      { mvcctest.TestReadView(t, exercise.NewStore) }
func TestSnapshotReads(t *testing.T) { mvcctest.TestSnapshotReads(t, exercise.NewStore) }
func TestPhantoms(t *testing.T)      { mvcctest.TestPhantoms(t, exercise.NewStore) }
func TestLocks(t *testing.T)         { mvcctest.TestLocks(t, exercise.NewStore) }
func TestSerializable(t *testing.T)  { mvcctest.TestSerializable(t, exercise.NewStore) }
