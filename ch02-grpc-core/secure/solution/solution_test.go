package solution_test

import (
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/grpc/credentials"

	"github.com/grpclabs/labs/ch02-grpc-core/secure/securetest"
	"github.com/grpclabs/labs/ch02-grpc-core/secure/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func token(s string) credentials.PerRPCCredentials { return solution.BearerToken{Token: s} }

func TestCA(t *testing.T)  { securetest.TestCA(t, solution.NewCA) }
func TestTLS(t *testing.T) { securetest.TestTLS(t, solution.ServerTLSConfig, solution.ClientTLSConfig) }
func TestMutualTLS(t *testing.T) {
	securetest.TestMutualTLS(t, solution.ServerTLSConfig, solution.ClientTLSConfig, solution.PeerCommonName)
}
func TestBearerToken(t *testing.T) {
	securetest.TestBearerToken(t, token, solution.ServerTLSConfig, solution.ClientTLSConfig)
}
func TestHandshakeErrors(t *testing.T) {
	securetest.TestHandshakeErrors(t, solution.ServerTLSConfig, solution.ClientTLSConfig, solution.WatchHandshakes, solution.Explain)
}
func TestCompression(t *testing.T) {
	securetest.TestCompression(t, solution.Compressed, solution.NewCountingListener)
}
func BenchmarkPull(b *testing.B) {
	securetest.BenchmarkPull(b, solution.Compressed, solution.NewCountingListener)
}
