package solution

import "github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2"

// Endpoint is one side's view of the streams of a connection: the RFC 9113
// §5.1 state machine, driven by the frames that side sends and receives.
// A proxy runs two, the client's and the server's, and each frame is a Send
// for one and a Recv for the other.
type Endpoint struct {
	client bool
	// streams holds every stream that left idle. A stream that never
	// appears here is idle, or closed if a newer stream of the same parity
	// was opened (§5.1.1: opening stream N closes the idle streams below N).
	streams map[uint32]*stream
	// lastLocal and lastRemote are the highest stream ids opened by this
	// endpoint and by its peer.
	lastLocal, lastRemote uint32
	// contSend and contRecv name the stream whose header block is still
	// open (a HEADERS without END_HEADERS) in each direction: until its
	// END_HEADERS, only CONTINUATION frames for it may come (§6.10).
	contSend, contRecv uint32
}

type stream struct {
	state h2.State
	// How a closed stream closed decides how late frames are treated (§5.1):
	// after our own RST_STREAM the peer's frames in flight are ignored;
	// after the peer's RST_STREAM they are a stream error; after END_STREAM
	// they are a connection error.
	resetLocally, resetByPeer bool
}

// NewEndpoint returns the client's view (client == true, it opens the odd
// streams) or the server's view of a fresh connection.
func NewEndpoint(client bool) *Endpoint {
	return &Endpoint{client: client, streams: map[uint32]*stream{}}
}

// State reports the state of stream id.
func (e *Endpoint) State(id uint32) h2.State {
	if s, ok := e.streams[id]; ok {
		return s.state
	}
	if e.localID(id) && id <= e.lastLocal || !e.localID(id) && id <= e.lastRemote {
		return h2.StateClosed
	}
	return h2.StateIdle
}

// localID reports whether this endpoint opens streams with this id:
// clients use odd ids, servers even ones (§5.1.1).
func (e *Endpoint) localID(id uint32) bool { return (id%2 == 1) == e.client }

// Send applies a frame this endpoint sends and returns the stream's new state.
func (e *Endpoint) Send(h h2.FrameHeader) (h2.State, error) { return e.apply(h, true) }

// Recv applies a frame this endpoint receives and returns the stream's new state.
func (e *Endpoint) Recv(h h2.FrameHeader) (h2.State, error) { return e.apply(h, false) }

func (e *Endpoint) apply(h h2.FrameHeader, send bool) (h2.State, error) {
	// Header blocks are atomic on the connection: nothing may interleave.
	cont := &e.contRecv
	if send {
		cont = &e.contSend
	}
	if *cont != 0 {
		if h.Type != h2.FrameContinuation || h.StreamID != *cont {
			return e.State(h.StreamID), h2.ConnError(h2.ErrCodeProtocol,
				"%v on stream %d while the header block of stream %d waits for CONTINUATION", h.Type, h.StreamID, *cont)
		}
		if h.Flags.Has(h2.FlagEndHeaders) {
			*cont = 0
		}
		return e.State(h.StreamID), nil
	}
	if h.Type == h2.FrameContinuation {
		return e.State(h.StreamID), h2.ConnError(h2.ErrCodeProtocol,
			"CONTINUATION on stream %d without a HEADERS frame before it", h.StreamID)
	}
	if h.StreamID == 0 {
		return h2.StateIdle, nil // connection-level frames have no stream state
	}
	if h.Type == h2.FramePushPromise {
		// gRPC clients send SETTINGS_ENABLE_PUSH=0; push is never legal here.
		return e.State(h.StreamID), h2.ConnError(h2.ErrCodeProtocol, "PUSH_PROMISE on stream %d: gRPC disables server push", h.StreamID)
	}
	if h.Type == h2.FrameHeaders && !h.Flags.Has(h2.FlagEndHeaders) {
		defer func() { *cont = h.StreamID }()
	}

	id := h.StreamID
	st := e.State(id)
	s := e.streams[id]
	endStream := h.Flags.Has(h2.FlagEndStream) && (h.Type == h2.FrameData || h.Type == h2.FrameHeaders)

	switch st {
	case h2.StateIdle:
		switch h.Type {
		case h2.FramePriority:
			return st, nil // PRIORITY may name any stream, even an idle one
		case h2.FrameHeaders:
		default:
			return st, h2.ConnError(h2.ErrCodeProtocol, "%v on idle stream %d: only HEADERS opens a stream", h.Type, id)
		}
		// Who may open this stream: the sender must own its parity.
		if send != e.localID(id) {
			owner := "client (odd ids)"
			if id%2 == 0 {
				owner = "server (even ids)"
			}
			return st, h2.ConnError(h2.ErrCodeProtocol, "stream %d can only be opened by the %s", id, owner)
		}
		s = &stream{state: h2.StateOpen}
		e.streams[id] = s
		if send {
			e.lastLocal = id
		} else {
			e.lastRemote = id
		}
		if endStream {
			s.state = halfClose(send)
		}
		return s.state, nil

	case h2.StateClosed:
		switch {
		case h.Type == h2.FramePriority:
			return st, nil
		case send && (h.Type == h2.FrameRSTStream || h.Type == h2.FrameWindowUpdate):
			// RST_STREAM may answer a late frame, and both may have left
			// before the frame that closed the stream arrived.
			return st, nil
		case send:
			return st, h2.StreamError(id, h2.ErrCodeStreamClosed, "cannot send %v on closed stream %d", h.Type, id)
		case s == nil:
			// Never used, but a newer stream was opened past it (§5.1.1).
			return st, h2.ConnError(h2.ErrCodeProtocol, "%v on stream %d, which was skipped: stream ids only grow", h.Type, id)
		case s.resetLocally:
			return st, nil // the peer may not have seen our RST_STREAM yet
		case h.Type == h2.FrameWindowUpdate || h.Type == h2.FrameRSTStream:
			return st, nil // may cross our END_STREAM or RST_STREAM on the wire
		case s.resetByPeer:
			return st, h2.StreamError(id, h2.ErrCodeStreamClosed, "%v received on stream %d after the peer reset it", h.Type, id)
		default:
			return st, h2.ConnError(h2.ErrCodeStreamClosed, "%v received on stream %d after both sides sent END_STREAM", h.Type, id)
		}
	}

	// open or half-closed
	if h.Type == h2.FrameRSTStream {
		s.state = h2.StateClosed
		s.resetLocally, s.resetByPeer = send, !send
		return s.state, nil
	}
	if h.Type == h2.FrameData || h.Type == h2.FrameHeaders {
		if send && st == h2.StateHalfClosedLocal {
			return st, h2.StreamError(id, h2.ErrCodeStreamClosed, "cannot send %v on stream %d: it is half-closed (local), END_STREAM was already sent", h.Type, id)
		}
		if !send && st == h2.StateHalfClosedRemote {
			return st, h2.StreamError(id, h2.ErrCodeStreamClosed, "%v received on stream %d after the peer's END_STREAM", h.Type, id)
		}
	}
	if endStream {
		if st == h2.StateOpen {
			s.state = halfClose(send)
		} else {
			s.state = h2.StateClosed
		}
	}
	return s.state, nil
}

// halfClose is the state after END_STREAM on an open stream: our own
// END_STREAM closes our sending half (local), the peer's closes theirs.
func halfClose(send bool) h2.State {
	if send {
		return h2.StateHalfClosedLocal
	}
	return h2.StateHalfClosedRemote
}
