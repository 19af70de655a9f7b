package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/sharding/shardingtest"
	"github.com/grpclabs/labs/ch05-interview/sharding/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	lab  = shardingtest.Lab[*solution.Modulo, *solution.Range, *solution.Ring]{NewModulo: solution.NewModulo, NewRange: solution.NewRange, NewRing: solution.NewRing}
	snow = shardingtest.Snow[*solution.Snowflake, solution.Clock]{New: solution.NewSnowflake, Decompose: solution.Decompose, Epoch: solution.Epoch, ErrBackwards: solution.ErrClockBackwards}
)

func TestModulo(t *testing.T)         { shardingtest.TestModulo(t, lab) }
func TestRanges(t *testing.T)         { shardingtest.TestRanges(t, lab) }
func TestRing(t *testing.T)           { shardingtest.TestRing(t, lab) }
func TestSnowflake(t *testing.T)      { shardingtest.TestSnowflake(t, snow) }
func TestClockBackwards(t *testing.T) { shardingtest.TestClockBackwards(t, snow) }

func BenchmarkShardKeys(b *testing.B) { shardingtest.BenchmarkShardKeys(b, lab, snow) }
