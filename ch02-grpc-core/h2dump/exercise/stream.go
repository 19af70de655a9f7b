package exercise

import (
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Endpoint is one side's view of the streams of a connection: the RFC 9113
// §5.1 state machine (idle, open, half-closed (local), half-closed
// (remote), closed), driven by the frames that side sends and receives.
// The dump runs two: the client's and the server's. Each frame is a Send
// for one and a Recv for the other.
//
// Step 4. Add the fields you need.
type Endpoint struct {
	client bool
}

// NewEndpoint returns the client's view (client == true: it opens the odd
// stream ids) or the server's view of a fresh connection.
func NewEndpoint(client bool) *Endpoint {
	return &Endpoint{client: client}
}

// State reports the state of stream id. A stream never seen is idle, unless
// a newer stream of the same parity was opened: that closed it (§5.1.1).
func (e *Endpoint) State(id uint32) h2.State {
	return h2.StateIdle // TODO (step 4)
}

// Send applies a frame this endpoint sends and returns the stream's new
// state, or an *h2.Error (h2.ConnError / h2.StreamError) when the RFC
// forbids sending it. Frames on stream 0 have no stream state.
func (e *Endpoint) Send(h h2.FrameHeader) (h2.State, error) {
	return h2.StateIdle, labkit.TODO("Endpoint.Send")
}

// Recv applies a frame this endpoint receives; like Send, from the other
// side of the wire.
func (e *Endpoint) Recv(h h2.FrameHeader) (h2.State, error) {
	return h2.StateIdle, labkit.TODO("Endpoint.Recv")
}
