package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	it "github.com/grpclabs/labs/ch02-grpc-core/interceptors/interceptorstest"
	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestUnaryLogging(t *testing.T)  { it.TestUnaryLogging(t, solution.UnaryLogging) }
func TestStreamLogging(t *testing.T) { it.TestStreamLogging(t, solution.StreamLogging) }
func TestAuthUnary(t *testing.T)     { it.TestAuthUnary(t, solution.NewAuth) }
func TestAuthStream(t *testing.T)    { it.TestAuthStream(t, solution.NewAuth) }
func TestMetrics(t *testing.T)       { it.TestMetrics(t, solution.NewMetrics) }
func TestMetricsText(t *testing.T)   { it.TestMetricsText(t, solution.NewMetrics) }
func TestRecovery(t *testing.T) {
	it.TestRecovery(t, solution.UnaryRecovery, solution.StreamRecovery)
}
func TestClientRequestID(t *testing.T) {
	it.TestClientRequestID(t, solution.UnaryClientRequestID, solution.StreamClientRequestID)
}
func TestClientTimeout(t *testing.T) { it.TestClientTimeout(t, solution.UnaryClientTimeout) }
func TestChainUnary(t *testing.T)    { it.TestChainUnary(t, solution.ChainUnary) }
func TestChainStream(t *testing.T)   { it.TestChainStream(t, solution.ChainStream) }
func TestServerOptions(t *testing.T) {
	it.TestServerOptions(t, solution.NewAuth, solution.NewMetrics, solution.ServerOptions)
}

func FuzzAuthorization(f *testing.F) { it.FuzzAuthorization(f, solution.NewAuth) }
func FuzzMetricsText(f *testing.F)   { it.FuzzMetricsText(f, solution.NewMetrics) }
