package exercise_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch01-overview/restvsgrpc/exercise"
	"github.com/grpclabs/labs/ch01-overview/restvsgrpc/restvsgrpctest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestHandler(t *testing.T)       { restvsgrpctest.TestHandler(t, exercise.NewHandler) }
func TestHandlerErrors(t *testing.T) { restvsgrpctest.TestHandlerErrors(t, exercise.NewHandler) }
func TestClient(t *testing.T)        { restvsgrpctest.TestClient(t, exercise.GetUser) }
func TestClientReuse(t *testing.T) {
	restvsgrpctest.TestClientReuse(t, exercise.GetUser, exercise.Release)
}
func TestClientContext(t *testing.T) { restvsgrpctest.TestClientContext(t, exercise.GetUser) }
func TestCompare(t *testing.T)       { restvsgrpctest.TestCompare(t, exercise.NewHandler, exercise.GetUser) }

// go test -bench . -run '^$' ./ch01-overview/restvsgrpc/exercise
func BenchmarkGetUser(b *testing.B) {
	restvsgrpctest.BenchmarkGetUser(b, exercise.NewHandler, exercise.GetUser)
}
