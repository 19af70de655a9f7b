package solution_test

import (
	"net"
	"testing"

	"go.uber.org/goleak"

	probev1 "github.com/grpclabs/labs/ch05-interview/gen/probe/v1"
	"github.com/grpclabs/labs/ch05-interview/grpcinternals/grpcinternalstest"
	"github.com/grpclabs/labs/ch05-interview/grpcinternals/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var lab = grpcinternalstest.Lab{
	NewClient: solution.NewClient, Frames: solution.Frames, NewReadyClient: solution.NewReadyClient,
	Tap:      func(c net.Conn) grpcinternalstest.Tapped { return solution.Tap(c) },
	NewProbe: func(name string) probev1.ProbeServiceServer { return solution.NewProbe(name) },
}

func TestConnections(t *testing.T)    { grpcinternalstest.TestConnections(t, lab) }
func TestWriter(t *testing.T)         { grpcinternalstest.TestWriter(t, lab) }
func TestFrames(t *testing.T)         { grpcinternalstest.TestFrames(t, lab) }
func TestFlowControl(t *testing.T)    { grpcinternalstest.TestFlowControl(t, lab) }
func TestWaitForReady(t *testing.T)   { grpcinternalstest.TestWaitForReady(t, lab) }
func TestProbe(t *testing.T)          { grpcinternalstest.TestProbe(t, lab) }
func TestServerDeadline(t *testing.T) { grpcinternalstest.TestServerDeadline(t, lab) }
