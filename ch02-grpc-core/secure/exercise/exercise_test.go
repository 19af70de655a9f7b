package exercise_test

import (
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/grpc/credentials"

	"github.com/grpclabs/labs/ch02-grpc-core/secure/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/secure/securetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func token(s string) credentials.PerRPCCredentials { return exercise.BearerToken{Token: s} }

func TestCA(t *testing.T)  { securetest.TestCA(t, exercise.NewCA) }
func TestTLS(t *testing.T) { securetest.TestTLS(t, exercise.ServerTLSConfig, exercise.ClientTLSConfig) }
func TestMutualTLS(t *testing.T) {
	securetest.TestMutualTLS(t, exercise.ServerTLSConfig, exercise.ClientTLSConfig, exercise.PeerCommonName)
}
func TestBearerToken(t *testing.T) {
	securetest.TestBearerToken(t, token, exercise.ServerTLSConfig, exercise.ClientTLSConfig)
}
func TestHandshakeErrors(t *testing.T) {
	securetest.TestHandshakeErrors(t, exercise.ServerTLSConfig, exercise.ClientTLSConfig, exercise.WatchHandshakes, exercise.Explain)
}
func TestCompression(t *testing.T) {
	securetest.TestCompression(t, exercise.Compressed, exercise.NewCountingListener)
}
func BenchmarkPull(b *testing.B) {
	securetest.BenchmarkPull(b, exercise.Compressed, exercise.NewCountingListener)
}
