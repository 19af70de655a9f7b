package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/errorstest"
	"github.com/grpclabs/labs/ch02-grpc-core/errors/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBuild(t *testing.T)         { errorstest.TestBuild(t, solution.Build) }
func TestServerErrors(t *testing.T)  { errorstest.TestServerErrors(t, solution.NewServer) }
func TestParse(t *testing.T)         { errorstest.TestParse(t, solution.Parse, solution.Build) }
func FuzzParse(f *testing.F)         { errorstest.FuzzParse(f, solution.Parse) }
func TestHTTPStatus(t *testing.T)    { errorstest.TestHTTPStatus(t, solution.HTTPStatus) }
func TestGateway(t *testing.T)       { errorstest.TestGateway(t, solution.NewGateway, solution.NewServer) }
func TestRetry(t *testing.T)         { errorstest.TestRetry(t, solution.RetryInterceptor) }
func TestRetryPushback(t *testing.T) { errorstest.TestRetryPushback(t, solution.RetryInterceptor) }
func TestRetryDeadline(t *testing.T) { errorstest.TestRetryDeadline(t, solution.RetryInterceptor) }
