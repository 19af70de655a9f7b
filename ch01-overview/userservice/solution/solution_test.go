package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch01-overview/userservice/solution"
	"github.com/grpclabs/labs/ch01-overview/userservice/usertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestGetUser(t *testing.T)        { usertest.TestGetUser(t, solution.NewServer) }
func TestGetUserErrors(t *testing.T)  { usertest.TestGetUserErrors(t, solution.NewServer) }
func TestGetUserContext(t *testing.T) { usertest.TestGetUserContext(t, solution.NewServer) }
func TestClient(t *testing.T)         { usertest.TestClient(t, solution.NewServer, solution.GetUser) }
