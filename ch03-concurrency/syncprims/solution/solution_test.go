package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch03-concurrency/syncprims/solution"
	"github.com/grpclabs/labs/ch03-concurrency/syncprims/syncprimstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCache(t *testing.T)    { syncprimstest.TestCache(t, solution.NewCache) }
func TestHerd(t *testing.T)     { syncprimstest.TestHerd(t, solution.Coalesce) }
func TestLoadOnce(t *testing.T) { syncprimstest.TestLoadOnce(t, solution.LoadOnce[string]) }
func TestLazy(t *testing.T)     { syncprimstest.TestLazy(t, solution.NewLazy[string]) }
func TestGetMany(t *testing.T)  { syncprimstest.TestGetMany(t, solution.NewCache) }
func TestServer(t *testing.T)   { syncprimstest.TestServer(t, solution.NewCache, solution.NewServer) }
func TestRaceHunt(t *testing.T) {
	syncprimstest.TestRaceHunt(t, solution.NewSessionServer, solution.RaceHuntFixed)
}
