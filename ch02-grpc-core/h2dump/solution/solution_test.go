package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2dumptest"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseFrameHeader(t *testing.T) { h2dumptest.TestParseFrameHeader(t, solution.Impl()) }
func TestFrameHeadersMatchFramer(t *testing.T) {
	h2dumptest.TestFrameHeadersMatchFramer(t, solution.Impl())
}
func FuzzFrameHeader(f *testing.F)         { h2dumptest.FuzzFrameHeader(f, solution.Impl()) }
func TestCheckFrameHeader(t *testing.T)    { h2dumptest.TestCheckFrameHeader(t, solution.Impl()) }
func TestFlagNames(t *testing.T)           { h2dumptest.TestFlagNames(t, solution.Impl()) }
func TestStreamStates(t *testing.T)        { h2dumptest.TestStreamStates(t, solution.Impl()) }
func TestStreamErrors(t *testing.T)        { h2dumptest.TestStreamErrors(t, solution.Impl()) }
func TestStreamsOnRecordings(t *testing.T) { h2dumptest.TestStreamsOnRecordings(t, solution.Impl()) }
func TestReassembler(t *testing.T)         { h2dumptest.TestReassembler(t, solution.Impl()) }
func TestReassemblerLimits(t *testing.T)   { h2dumptest.TestReassemblerLimits(t, solution.Impl()) }
func TestGoldenDump(t *testing.T)          { h2dumptest.TestGoldenDump(t, solution.Impl()) }
func TestLiveDump(t *testing.T)            { h2dumptest.TestLiveDump(t, solution.Impl()) }
func TestMultiplexing(t *testing.T)        { h2dumptest.TestMultiplexing(t, solution.Impl()) }
