package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch02-grpc-core/streaming/solution"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/streamingtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestGetConfig(t *testing.T)   { streamingtest.TestGetConfig(t, solution.NewConfigServer) }
func TestTail(t *testing.T)        { streamingtest.TestTail(t, solution.NewLogServer) }
func TestWatchConfig(t *testing.T) { streamingtest.TestWatchConfig(t, solution.NewConfigServer) }
func TestUpload(t *testing.T)      { streamingtest.TestUpload(t, solution.NewFileServer) }
func FuzzValidName(f *testing.F)   { streamingtest.FuzzValidName(f, solution.ValidName) }
func TestUploadClient(t *testing.T) {
	streamingtest.TestUploadClient(t, solution.NewFileServer, solution.UploadFile)
}
func TestChat(t *testing.T)           { streamingtest.TestChat(t, solution.NewChatServer) }
func TestChatSlowReader(t *testing.T) { streamingtest.TestChatSlowReader(t, solution.NewChatServer) }
