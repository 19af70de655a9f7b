package exercise_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch04-governance/tracing/exercise"
	tt "github.com/grpclabs/labs/ch04-governance/tracing/tracingtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var lab = tt.Lab{
	Parse: exercise.Parse, Format: exercise.Format,
	ClientInterceptor: exercise.UnaryClientInterceptor, ServerInterceptor: exercise.UnaryServerInterceptor,
	NewProvider:   exercise.NewProvider,
	ServerOptions: exercise.ServerOptions, DialOptions: exercise.DialOptions,
	TraceDB: exercise.TraceDB, TraceHTTP: exercise.TraceHTTP,
	NewExporter: exercise.NewExporter,
}

func TestTraceparent(t *testing.T)          { tt.TestTraceparent(t, lab) }
func FuzzTraceparent(f *testing.F)          { tt.FuzzTraceparent(f, lab) }
func TestHandInterceptors(t *testing.T)     { tt.TestHandInterceptors(t, lab) }
func TestHandInterceptorsOtel(t *testing.T) { tt.TestHandInterceptorsOtel(t, lab) }
func TestProvider(t *testing.T)             { tt.TestProvider(t, lab) }
func TestShopTrace(t *testing.T)            { tt.TestShopTrace(t, lab) }
func TestExporter(t *testing.T)             { tt.TestExporter(t, lab) }
