package exercise_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch01-overview/userservice/exercise"
	"github.com/grpclabs/labs/ch01-overview/userservice/usertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestGetUser(t *testing.T)        { usertest.TestGetUser(t, exercise.NewServer) }
func TestGetUserErrors(t *testing.T)  { usertest.TestGetUserErrors(t, exercise.NewServer) }
func TestGetUserContext(t *testing.T) { usertest.TestGetUserContext(t, exercise.NewServer) }
func TestClient(t *testing.T)         { usertest.TestClient(t, exercise.NewServer, exercise.GetUser) }
