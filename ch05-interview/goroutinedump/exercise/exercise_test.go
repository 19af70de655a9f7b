package exercise_test

import (
	"testing"

	"go.uber.org/goleak"

	ledgerv1 "github.com/grpclabs/labs/ch05-interview/gen/ledger/v1"
	"github.com/grpclabs/labs/ch05-interview/goroutinedump/exercise"
	"github.com/grpclabs/labs/ch05-interview/goroutinedump/goroutinedumptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var lab = goroutinedumptest.Lab{
	ParseDump: exercise.ParseDump, Stuck: exercise.Stuck,
	NewLedger: func(b map[string]int64) ledgerv1.LedgerServiceServer { return exercise.NewLedger(b) },
}

func TestParseDump(t *testing.T) { goroutinedumptest.TestParseDump(t, lab) }
func FuzzParseDump(f *testing.F) { goroutinedumptest.FuzzParseDump(f, lab) }
func TestIncident(t *testing.T)  { goroutinedumptest.TestIncident(t, lab) }
func TestTransfer(t *testing.T)  { goroutinedumptest.TestTransfer(t, lab) }
func TestWatch(t *testing.T)     { goroutinedumptest.TestWatch(t, lab) }
