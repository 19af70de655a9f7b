package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch04-governance/balancing/balancingtest"
	"github.com/grpclabs/labs/ch04-governance/balancing/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var lab = balancingtest.Lab{
	FirstReady: solution.FirstReady, RoundRobin: solution.RoundRobin, Weighted: solution.Weighted,
	LeastConn: solution.LeastConn, P2C: solution.P2C, ConsistentHash: solution.ConsistentHash,
}

func TestBalancer(t *testing.T)       { balancingtest.TestBalancer(t, lab) }
func TestRoundRobin(t *testing.T)     { balancingtest.TestRoundRobin(t, lab) }
func TestWeighted(t *testing.T)       { balancingtest.TestWeighted(t, lab) }
func TestLeastConn(t *testing.T)      { balancingtest.TestLeastConn(t, lab) }
func TestP2C(t *testing.T)            { balancingtest.TestP2C(t, lab) }
func TestConsistentHash(t *testing.T) { balancingtest.TestConsistentHash(t, lab) }

// BenchmarkPolicies: the policies in front of a slow backend (README, Explanation).
func BenchmarkPolicies(b *testing.B) { balancingtest.BenchmarkPolicies(b, lab) }
