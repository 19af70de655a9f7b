package exercise_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/exercise"
	it "github.com/grpclabs/labs/ch02-grpc-core/interceptors/interceptorstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestUnaryLogging(t *testing.T)  { it.TestUnaryLogging(t, exercise.UnaryLogging) }
func TestStreamLogging(t *testing.T) { it.TestStreamLogging(t, exercise.StreamLogging) }
func TestAuthUnary(t *testing.T)     { it.TestAuthUnary(t, exercise.NewAuth) }
func TestAuthStream(t *testing.T)    { it.TestAuthStream(t, exercise.NewAuth) }
func TestMetrics(t *testing.T)       { it.TestMetrics(t, exercise.NewMetrics) }
func TestMetricsText(t *testing.T)   { it.TestMetricsText(t, exercise.NewMetrics) }
func TestRecovery(t *testing.T) {
	it.TestRecovery(t, exercise.UnaryRecovery, exercise.StreamRecovery)
}
func TestClientRequestID(t *testing.T) {
	it.TestClientRequestID(t, exercise.UnaryClientRequestID, exercise.StreamClientRequestID)
}
func TestClientTimeout(t *testing.T) { it.TestClientTimeout(t, exercise.UnaryClientTimeout) }
func TestChainUnary(t *testing.T)    { it.TestChainUnary(t, exercise.ChainUnary) }
func TestChainStream(t *testing.T)   { it.TestChainStream(t, exercise.ChainStream) }
func TestServerOptions(t *testing.T) {
	it.TestServerOptions(t, exercise.NewAuth, exercise.NewMetrics, exercise.ServerOptions)
}

func FuzzAuthorization(f *testing.F) { it.FuzzAuthorization(f, exercise.NewAuth) }
func FuzzMetricsText(f *testing.F)   { it.FuzzMetricsText(f, exercise.NewMetrics) }
