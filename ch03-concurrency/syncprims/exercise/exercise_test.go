package exercise_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch03-concurrency/syncprims/exercise"
	"github.com/grpclabs/labs/ch03-concurrency/syncprims/syncprimstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCache(t *testing.T)    { syncprimstest.TestCache(t, exercise.NewCache) }
func TestHerd(t *testing.T)     { syncprimstest.TestHerd(t, exercise.Coalesce) }
func TestLoadOnce(t *testing.T) { syncprimstest.TestLoadOnce(t, exercise.LoadOnce[string]) }
func TestLazy(t *testing.T)     { syncprimstest.TestLazy(t, exercise.NewLazy[string]) }
func TestGetMany(t *testing.T)  { syncprimstest.TestGetMany(t, exercise.NewCache) }
func TestServer(t *testing.T)   { syncprimstest.TestServer(t, exercise.NewCache, exercise.NewServer) }
func TestRaceHunt(t *testing.T) {
	syncprimstest.TestRaceHunt(t, exercise.NewSessionServer, exercise.RaceHuntFixed)
}
