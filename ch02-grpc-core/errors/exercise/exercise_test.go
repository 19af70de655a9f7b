package exercise_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/errorstest"
	"github.com/grpclabs/labs/ch02-grpc-core/errors/exercise"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBuild(t *testing.T)         { errorstest.TestBuild(t, exercise.Build) }
func TestServerErrors(t *testing.T)  { errorstest.TestServerErrors(t, exercise.NewServer) }
func TestParse(t *testing.T)         { errorstest.TestParse(t, exercise.Parse, exercise.Build) }
func FuzzParse(f *testing.F)         { errorstest.FuzzParse(f, exercise.Parse) }
func TestHTTPStatus(t *testing.T)    { errorstest.TestHTTPStatus(t, exercise.HTTPStatus) }
func TestGateway(t *testing.T)       { errorstest.TestGateway(t, exercise.NewGateway, exercise.NewServer) }
func TestRetry(t *testing.T)         { errorstest.TestRetry(t, exercise.RetryInterceptor) }
func TestRetryPushback(t *testing.T) { errorstest.TestRetryPushback(t, exercise.RetryInterceptor) }
func TestRetryDeadline(t *testing.T) { errorstest.TestRetryDeadline(t, exercise.RetryInterceptor) }
