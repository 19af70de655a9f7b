package solution

import (
	"regexp"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
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

// Tail sends the stored lines that match, then, with follow, new ones.
func (s *LogServer) Tail(req *streamingv1.TailRequest, stream grpc.ServerStreamingServer[streamingv1.TailResponse]) error {
	// Everything that can be wrong with the request is checked before the
	// first message: once a stream has sent data, an error still ends it,
	// but the client has already acted on a partial answer.
	if len(req.GetFilter()) > MaxFilterLen {
		return status.Errorf(codes.InvalidArgument, "filter is %d bytes, at most %d allowed", len(req.GetFilter()), MaxFilterLen)
	}
	// RE2 (Go's regexp) matches in linear time, so an untrusted pattern
	// cannot make the server spin (no catastrophic backtracking).
	re, err := regexp.Compile(req.GetFilter())
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "filter: %v", err)
	}

	ctx := stream.Context()
	var next uint64 // the next seq to read; 0 means "from the oldest kept line"
	for {
		lines, n, changed := s.store.Since(next)
		for _, l := range lines {
			if !re.MatchString(l.Text) {
				continue
			}
			// Send blocks while the client's flow-control window is full:
			// a slow reader slows this handler only, never the log writer.
			// Its error already carries a status (the stream broke).
			if err := stream.Send(&streamingv1.TailResponse{Seq: l.Seq, Text: l.Text}); err != nil {
				return err
			}
		}
		next = n
		if !req.GetFollow() {
			return nil // the stored lines are all sent: end with OK
		}
		// Wait for the next append, or for the client to go away. Without
		// the ctx case this goroutine would outlive its client until the
		// next line arrived, or forever on a quiet log.
		select {
		case <-changed:
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	}
}
