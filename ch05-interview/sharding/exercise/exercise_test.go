package exercise_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/sharding/exercise"
	"github.com/grpclabs/labs/ch05-interview/sharding/shardingtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	lab  = shardingtest.Lab[*exercise.Modulo, *exercise.Range, *exercise.Ring]{NewModulo: exercise.NewModulo, NewRange: exercise.NewRange, NewRing: exercise.NewRing}
	snow = shardingtest.Snow[*exercise.Snowflake, exercise.Clock]{New: exercise.NewSnowflake, Decompose: exercise.Decompose, Epoch: exercise.Epoch, ErrBackwards: exercise.ErrClockBackwards}
)

func TestModulo(t *testing.T)         { shardingtest.TestModulo(t, lab) }
func TestRanges(t *testing.T)         { shardingtest.TestRanges(t, lab) }
func TestRing(t *testing.T)           { shardingtest.TestRing(t, lab) }
func TestSnowflake(t *testing.T)      { shardingtest.TestSnowflake(t, snow) }
func TestClockBackwards(t *testing.T) { shardingtest.TestClockBackwards(t, snow) }

func BenchmarkShardKeys(b *testing.B) { shardingtest.BenchmarkShardKeys(b, lab, snow) }
