package exercise_test

import (
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/grpclabs/labs/ch04-governance/coordination/coordinationtest"
	"github.com/grpclabs/labs/ch04-governance/coordination/exercise"
	"github.com/grpclabs/labs/ch04-governance/etcdtest"
	storagev1 "github.com/grpclabs/labs/ch04-governance/gen/storage/v1"
)

// etcdtest.VerifyTestMain is goleak's check; it also stops the etcd the
// tests share.
func TestMain(m *testing.M) { etcdtest.VerifyTestMain(m) }

var lab = coordinationtest.Lab{
	WithLock:    exercise.WithLock,
	ErrLockLost: exercise.ErrLockLost,
	NewMutex: func(cli *clientv3.Client, name string, ttl int) coordinationtest.Mutex {
		return exercise.NewMutex(cli, name, ttl)
	},
	Lead:              exercise.Lead,
	Leader:            exercise.Leader,
	ErrLeadershipLost: exercise.ErrLeadershipLost,
	ErrNoLeader:       exercise.ErrNoLeader,
	NewStore:          func() storagev1.StorageServer { return exercise.NewStore() },
}

func TestWithLock(t *testing.T) { coordinationtest.TestWithLock(t, lab) }
func TestMutex(t *testing.T)    { coordinationtest.TestMutex(t, lab) }
func TestElection(t *testing.T) { coordinationtest.TestElection(t, lab) }
func TestStore(t *testing.T)    { coordinationtest.TestStore(t, lab) }
func TestFencing(t *testing.T)  { coordinationtest.TestFencing(t, lab) }
