package exercise_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2dumptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseFrameHeader(t *testing.T) { h2dumptest.TestParseFrameHeader(t, exercise.Impl()) }
func TestFrameHeadersMatchFramer(t *testing.T) {
	h2dumptest.TestFrameHeadersMatchFramer(t, exercise.Impl())
}
func FuzzFrameHeader(f *testing.F)         { h2dumptest.FuzzFrameHeader(f, exercise.Impl()) }
func TestCheckFrameHeader(t *testing.T)    { h2dumptest.TestCheckFrameHeader(t, exercise.Impl()) }
func TestFlagNames(t *testing.T)           { h2dumptest.TestFlagNames(t, exercise.Impl()) }
func TestStreamStates(t *testing.T)        { h2dumptest.TestStreamStates(t, exercise.Impl()) }
func TestStreamErrors(t *testing.T)        { h2dumptest.TestStreamErrors(t, exercise.Impl()) }
func TestStreamsOnRecordings(t *testing.T) { h2dumptest.TestStreamsOnRecordings(t, exercise.Impl()) }
func TestReassembler(t *testing.T)         { h2dumptest.TestReassembler(t, exercise.Impl()) }
func TestReassemblerLimits(t *testing.T)   { h2dumptest.TestReassemblerLimits(t, exercise.Impl()) }
func TestGoldenDump(t *testing.T)          { h2dumptest.TestGoldenDump(t, exercise.Impl()) }
func TestLiveDump(t *testing.T)            { h2dumptest.TestLiveDump(t, exercise.Impl()) }
func TestMultiplexing(t *testing.T)        { h2dumptest.TestMultiplexing(t, exercise.Impl()) }
