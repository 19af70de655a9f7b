package exercise

import (
	"google.golang.org/grpc"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
	"github.com/grpclabs/labs/scripts/labkit"
)

// MaxFilterLen bounds the regular expression a client may send.
const MaxFilterLen = 1024

// LogServer tails a log store: server streaming, one request and a stream
// of answers that, with follow, only ends when the client leaves.
type LogServer struct {
	streamingv1.UnimplementedLogServiceServer
	store *backend.LogStore
}

// NewLogServer serves store.
func NewLogServer(store *backend.LogStore) *LogServer {
	return &LogServer{store: store}
}

// Tail sends the stored lines that match req.Filter, oldest first; with
// req.Follow it keeps sending new matching lines until the client goes
// away. Step 2:
//
//  1. A filter longer than MaxFilterLen, or one regexp.Compile rejects, is
//     InvalidArgument, before anything is sent.
//  2. s.store.Since(next) returns the lines from seq next on, the seq to
//     ask for next time, and a channel closed by the next Append.
//  3. Send each matching line as a TailResponse (seq and text); a Send
//     error ends the handler, returned as it is.
//  4. Without follow, return nil: the stream ends with OK.
//  5. With follow, wait for the channel or for stream.Context().Done()
//     (then return the context's status), and go back to 2.
func (s *LogServer) Tail(req *streamingv1.TailRequest, stream grpc.ServerStreamingServer[streamingv1.TailResponse]) error {
	return labkit.TODO("LogServer.Tail")
}
