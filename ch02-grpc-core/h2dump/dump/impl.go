// Package dump is the scaffolding of the h2dump lab: a transparent TCP
// proxy that tees both directions of each connection into a decoder, and
// the decoder that prints every HTTP/2 frame (HPACK headers, flow-control
// windows, PING round trips, gRPC messages). The parts that teach HTTP/2
// come from an [Impl]: the learner's exercise or the solution.
package dump

import "github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2"

// Impl is the lab code the decoder runs. The exercise and the solution
// packages both provide every piece; cmd/h2dump's -impl picks one.
type Impl struct {
	Name             string
	ParseFrameHeader func(b []byte) (h2.FrameHeader, error)
	CheckFrameHeader func(h h2.FrameHeader, maxFrameSize uint32) error
	FlagNames        func(t h2.FrameType, f h2.Flags) ([]string, error)
	NewEndpoint      func(client bool) Endpoint
	NewReassembler   func(max int) Reassembler
}

// Endpoint is one side's RFC 9113 §5.1 stream state machine.
type Endpoint interface {
	Send(h h2.FrameHeader) (h2.State, error)
	Recv(h h2.FrameHeader) (h2.State, error)
	State(id uint32) h2.State
}

// Reassembler cuts DATA bytes into gRPC messages.
type Reassembler interface {
	Write(data []byte) ([]h2.Message, error)
	Buffered() int
}

// Dir is the direction of a byte or frame.
type Dir int

// The two directions through the proxy.
const (
	C2S Dir = iota // client to server
	S2C            // server to client
)

func (d Dir) String() string {
	if d == C2S {
		return "c2s"
	}
	return "s2c"
}

func (d Dir) arrow() string {
	if d == C2S {
		return "c→s"
	}
	return "s→c"
}

func (d Dir) other() Dir { return 1 - d }

// sender names the end that sends in direction d.
func (d Dir) sender() string {
	if d == C2S {
		return "client"
	}
	return "server"
}

// DefaultMaxMessage is the largest gRPC message the decoder reassembles;
// it matches grpc-go's default receive limit.
const DefaultMaxMessage = 4 << 20
