package exercise_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch02-grpc-core/streaming/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/streamingtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestGetConfig(t *testing.T)   { streamingtest.TestGetConfig(t, exercise.NewConfigServer) }
func TestTail(t *testing.T)        { streamingtest.TestTail(t, exercise.NewLogServer) }
func TestWatchConfig(t *testing.T) { streamingtest.TestWatchConfig(t, exercise.NewConfigServer) }
func TestUpload(t *testing.T)      { streamingtest.TestUpload(t, exercise.NewFileServer) }
func FuzzValidName(f *testing.F)   { streamingtest.FuzzValidName(f, exercise.ValidName) }
func TestUploadClient(t *testing.T) {
	streamingtest.TestUploadClient(t, exercise.NewFileServer, exercise.UploadFile)
}
func TestChat(t *testing.T)           { streamingtest.TestChat(t, exercise.NewChatServer) }
func TestChatSlowReader(t *testing.T) { streamingtest.TestChatSlowReader(t, exercise.NewChatServer) }
