package solution_test

import (
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/grpclabs/labs/ch04-governance/discovery/discoverytest"
	"github.com/grpclabs/labs/ch04-governance/discovery/solution"
	"github.com/grpclabs/labs/ch04-governance/etcdtest"
	"github.com/grpclabs/labs/ch04-governance/registry"
)

// etcdtest.VerifyTestMain is goleak's check, waiting for a closed
// cluster's connections to drain.
func TestMain(m *testing.M) { etcdtest.VerifyTestMain(m) }

var lab = discoverytest.Lab{
	NewRegistrar:       func(cli *clientv3.Client) registry.Registrar { return solution.NewRegistrar(cli) },
	NewResolverBuilder: solution.NewResolverBuilder,
	Leave:              solution.Leave,
}

func TestRegister(t *testing.T)        { discoverytest.TestRegister(t, lab) }
func TestRegisterExpires(t *testing.T) { discoverytest.TestRegisterExpires(t, lab) }
func TestKeepAlive(t *testing.T)       { discoverytest.TestKeepAlive(t, lab) }
func TestReregister(t *testing.T)      { discoverytest.TestReregister(t, lab) }
func TestResolve(t *testing.T)         { discoverytest.TestResolve(t, lab) }
func TestResolveParity(t *testing.T)   { discoverytest.TestResolveParity(t, lab) }
func TestNotServing(t *testing.T)      { discoverytest.TestNotServing(t, lab) }
func TestCompaction(t *testing.T)      { discoverytest.TestCompaction(t, lab) }
func TestEtcdRestart(t *testing.T)     { discoverytest.TestEtcdRestart(t, lab) }
func TestEtcdDown(t *testing.T)        { discoverytest.TestEtcdDown(t, lab) }
func TestLeaderLoss(t *testing.T)      { discoverytest.TestLeaderLoss(t, lab) }
func TestLeave(t *testing.T)           { discoverytest.TestLeave(t, lab) }
