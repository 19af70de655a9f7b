package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch01-overview/restvsgrpc/restvsgrpctest"
	"github.com/grpclabs/labs/ch01-overview/restvsgrpc/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestHandler(t *testing.T)       { restvsgrpctest.TestHandler(t, solution.NewHandler) }
func TestHandlerErrors(t *testing.T) { restvsgrpctest.TestHandlerErrors(t, solution.NewHandler) }
func TestClient(t *testing.T)        { restvsgrpctest.TestClient(t, solution.GetUser) }
func TestClientReuse(t *testing.T) {
	restvsgrpctest.TestClientReuse(t, solution.GetUser, solution.Release)
}
func TestClientContext(t *testing.T) { restvsgrpctest.TestClientContext(t, solution.GetUser) }
func TestCompare(t *testing.T)       { restvsgrpctest.TestCompare(t, solution.NewHandler, solution.GetUser) }

// go test -bench . -run '^$' ./ch01-overview/restvsgrpc/solution
func BenchmarkGetUser(b *testing.B) {
	restvsgrpctest.BenchmarkGetUser(b, solution.NewHandler, solution.GetUser)
}
