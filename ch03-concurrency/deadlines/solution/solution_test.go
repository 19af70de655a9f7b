package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch03-concurrency/deadlines/deadlinestest"
	"github.com/grpclabs/labs/ch03-concurrency/deadlines/solution"
	hopv1 "github.com/grpclabs/labs/ch03-concurrency/gen/hop/v1"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var lab = deadlinestest.Lab{
	WithRequestID: solution.WithRequestID, RequestID: solution.RequestID,
	ClientInterceptor: solution.UnaryClientInterceptor, ServerInterceptor: solution.UnaryServerInterceptor,
	Budget: solution.Budget, ErrReserve: solution.ErrReserve,
	NewHop: func(c deadlinestest.Config) hopv1.HopServiceServer { return solution.NewHop(solution.Config(c)) },
}

func TestRequestID(t *testing.T) { deadlinestest.TestRequestID(t, lab) }
func TestBudget(t *testing.T)    { deadlinestest.TestBudget(t, lab) }
func TestChain(t *testing.T)     { deadlinestest.TestChain(t, lab) }
func TestCascade(t *testing.T)   { deadlinestest.TestCascade(t, lab) }
func TestAudit(t *testing.T)     { deadlinestest.TestAudit(t, lab) }
