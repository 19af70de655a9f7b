package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch04-governance/tracing/solution"
	tt "github.com/grpclabs/labs/ch04-governance/tracing/tracingtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var lab = tt.Lab{
	Parse: solution.Parse, Format: solution.Format,
	ClientInterceptor: solution.UnaryClientInterceptor, ServerInterceptor: solution.UnaryServerInterceptor,
	NewProvider:   solution.NewProvider,
	ServerOptions: solution.ServerOptions, DialOptions: solution.DialOptions,
	TraceDB: solution.TraceDB, TraceHTTP: solution.TraceHTTP,
	NewExporter: solution.NewExporter,
}

func TestTraceparent(t *testing.T)          { tt.TestTraceparent(t, lab) }
func FuzzTraceparent(f *testing.F)          { tt.FuzzTraceparent(f, lab) }
func TestHandInterceptors(t *testing.T)     { tt.TestHandInterceptors(t, lab) }
func TestHandInterceptorsOtel(t *testing.T) { tt.TestHandInterceptorsOtel(t, lab) }
func TestProvider(t *testing.T)             { tt.TestProvider(t, lab) }
func TestShopTrace(t *testing.T)            { tt.TestShopTrace(t, lab) }
func TestExporter(t *testing.T)             { tt.TestExporter(t, lab) }
