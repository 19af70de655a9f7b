package h2dumptest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/dump"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2"
)

const (
	idle = h2.StateIdle
	open = h2.StateOpen
	hcl  = h2.StateHalfClosedLocal
	hcr  = h2.StateHalfClosedRemote
	clsd = h2.StateClosed
)

// ev is one frame on the wire: from the client ("c") or the server ("s"),
// and the states both endpoints must report for its stream afterwards.
type ev struct {
	from           string
	typ            h2.FrameType
	flags          h2.Flags
	id             uint32
	client, server h2.State
}

func (e ev) header() h2.FrameHeader {
	return h2.FrameHeader{Type: e.typ, Flags: e.flags, StreamID: e.id}
}

func (e ev) String() string {
	names := map[h2.Flags]string{0: "", 0x1: " END_STREAM", 0x4: " END_HEADERS", 0x5: " END_STREAM|END_HEADERS"}
	return fmt.Sprintf("%s sends %v%s on stream %d", map[string]string{"c": "client", "s": "server"}[e.from], e.typ, names[e.flags], e.id)
}

const (
	eh  = h2.FlagEndHeaders
	es  = h2.FlagEndStream
	ehs = h2.FlagEndHeaders | h2.FlagEndStream
)

// apply sends e from one endpoint and receives it at the other.
func apply(t *testing.T, client, server dump.Endpoint, e ev) (sendErr, recvErr error) {
	t.Helper()
	sender, receiver := client, server
	if e.from == "s" {
		sender, receiver = server, client
	}
	_, sendErr = sender.Send(e.header())
	step4.Check(t, sendErr)
	_, recvErr = receiver.Recv(e.header())
	step4.Check(t, recvErr)
	return sendErr, recvErr
}

func runScript(t *testing.T, impl dump.Impl, script []ev) (client, server dump.Endpoint) {
	t.Helper()
	client, server = impl.NewEndpoint(true), impl.NewEndpoint(false)
	for i, e := range script {
		sendErr, recvErr := apply(t, client, server, e)
		if sendErr != nil || recvErr != nil {
			t.Fatalf("frame %d (%v) is legal, got send error %v, receive error %v", i+1, e, sendErr, recvErr)
		}
		if e.id == 0 {
			continue
		}
		if c, s := client.State(e.id), server.State(e.id); c != e.client || s != e.server {
			t.Fatalf("after frame %d (%v): client sees %v, server sees %v; want %v and %v", i+1, e, c, s, e.client, e.server)
		}
		if c, s := client.State(e.id), server.State(e.id); c != s.Mirror() {
			t.Fatalf("after frame %d (%v): client %v and server %v are not mirror images", i+1, e, c, s)
		}
	}
	return client, server
}

// TestStreamStates: step 4, the legal life of gRPC streams (RFC 9113 §5.1).
func TestStreamStates(t *testing.T, impl dump.Impl) {
	requireStep(t, impl, 4)
	scripts := map[string][]ev{
		"unary call": {
			{"c", h2.FrameSettings, 0, 0, idle, idle},
			{"c", h2.FrameHeaders, eh, 1, open, open},
			{"c", h2.FrameData, es, 1, hcl, hcr},
			{"s", h2.FrameWindowUpdate, 0, 0, idle, idle},
			{"s", h2.FrameHeaders, eh, 1, hcl, hcr},
			{"s", h2.FrameData, 0, 1, hcl, hcr},
			{"c", h2.FrameWindowUpdate, 0, 1, hcl, hcr},
			{"s", h2.FrameHeaders, ehs, 1, clsd, clsd},
		},
		"Trailers-Only error, request still open": {
			{"c", h2.FrameHeaders, eh, 1, open, open},
			{"s", h2.FrameHeaders, ehs, 1, hcr, hcl},
			{"c", h2.FrameData, es, 1, clsd, clsd},
		},
		"server answers, then resets the unread request (grpc-go)": {
			{"c", h2.FrameHeaders, eh, 1, open, open},
			{"c", h2.FrameData, 0, 1, open, open},
			{"s", h2.FrameHeaders, ehs, 1, hcr, hcl},
			{"s", h2.FrameRSTStream, 0, 1, clsd, clsd},
		},
		"client cancels": {
			{"c", h2.FrameHeaders, eh, 1, open, open},
			{"c", h2.FrameData, es, 1, hcl, hcr},
			{"c", h2.FrameRSTStream, 0, 1, clsd, clsd},
		},
		"headers in CONTINUATION frames": {
			{"c", h2.FrameHeaders, 0, 1, open, open},
			{"c", h2.FrameContinuation, 0, 1, open, open},
			{"c", h2.FrameContinuation, eh, 1, open, open},
			{"c", h2.FrameData, es, 1, hcl, hcr},
		},
		"END_STREAM on HEADERS that continue": {
			{"c", h2.FrameHeaders, es, 1, hcl, hcr},
			{"c", h2.FrameContinuation, eh, 1, hcl, hcr},
			{"s", h2.FrameHeaders, ehs, 1, clsd, clsd},
		},
		"streams interleave and skipped ids close": {
			{"c", h2.FrameHeaders, eh, 1, open, open},
			{"c", h2.FrameHeaders, eh, 5, open, open},
			{"c", h2.FramePriority, 0, 3, clsd, clsd}, // 3 was skipped: opening 5 closed it
			{"c", h2.FrameData, es, 1, hcl, hcr},
			{"c", h2.FrameData, es, 5, hcl, hcr},
			{"s", h2.FrameHeaders, ehs, 5, clsd, clsd},
			{"s", h2.FrameHeaders, ehs, 1, clsd, clsd},
			{"c", h2.FramePriority, 0, 11, idle, idle}, // PRIORITY leaves idle streams idle
		},
		"late frames after our END_STREAM are tolerated": {
			{"c", h2.FrameHeaders, eh, 1, open, open},
			{"s", h2.FrameHeaders, eh, 1, open, open},
			{"s", h2.FrameData, es, 1, hcr, hcl},
			{"c", h2.FrameData, es, 1, clsd, clsd},
			{"s", h2.FrameWindowUpdate, 0, 1, clsd, clsd},
			{"s", h2.FrameRSTStream, 0, 1, clsd, clsd},
		},
	}
	for name, script := range scripts {
		t.Run(name, func(t *testing.T) { runScript(t, impl, script) })
	}
	t.Run("frames in flight after our RST_STREAM are ignored", func(t *testing.T) {
		client, _ := runScript(t, impl, []ev{{"c", h2.FrameHeaders, eh, 1, open, open}})
		_, err := client.Send(h2.FrameHeader{Type: h2.FrameRSTStream, StreamID: 1, Length: 4})
		step4.Require(t, err)
		for _, h := range []h2.FrameHeader{{Type: h2.FrameHeaders, Flags: eh, StreamID: 1}, {Type: h2.FrameData, Flags: es, StreamID: 1}} {
			if _, err := client.Recv(h); err != nil {
				t.Errorf("client reset stream 1, then received %v: %v; the server sent it before seeing the reset, so it must be ignored (RFC 9113 §5.1)", h, err)
			}
		}
	})
}

// TestStreamErrors: step 4, illegal frames and the error the RFC names.
func TestStreamErrors(t *testing.T, impl dump.Impl) {
	requireStep(t, impl, 4)
	open1 := []ev{{"c", h2.FrameHeaders, eh, 1, open, open}}
	cases := []struct {
		name    string
		prelude []ev
		bad     ev
		side    string // which endpoint must object: the sender ("send") or the receiver ("recv")
		code    h2.ErrCode
		stream  bool
	}{
		{"DATA on an idle stream", nil, ev{from: "c", typ: h2.FrameData, id: 1}, "recv", h2.ErrCodeProtocol, false},
		{"sending DATA on an idle stream", nil, ev{from: "c", typ: h2.FrameData, id: 1}, "send", h2.ErrCodeProtocol, false},
		{"WINDOW_UPDATE on an idle stream", nil, ev{from: "s", typ: h2.FrameWindowUpdate, id: 1}, "recv", h2.ErrCodeProtocol, false},
		{"client opens an even stream", nil, ev{from: "c", typ: h2.FrameHeaders, flags: eh, id: 2}, "recv", h2.ErrCodeProtocol, false},
		{"server opens an odd stream", nil, ev{from: "s", typ: h2.FrameHeaders, flags: eh, id: 3}, "recv", h2.ErrCodeProtocol, false},
		{"stream id goes backwards", []ev{{"c", h2.FrameHeaders, eh, 5, open, open}}, ev{from: "c", typ: h2.FrameHeaders, flags: eh, id: 3}, "recv", h2.ErrCodeProtocol, false},
		{"DATA after the peer's END_STREAM", []ev{{"c", h2.FrameHeaders, ehs, 1, hcl, hcr}}, ev{from: "c", typ: h2.FrameData, id: 1}, "recv", h2.ErrCodeStreamClosed, true},
		{"sending DATA after our own END_STREAM", []ev{{"c", h2.FrameHeaders, ehs, 1, hcl, hcr}}, ev{from: "c", typ: h2.FrameData, id: 1}, "send", h2.ErrCodeStreamClosed, true},
		{"DATA after both END_STREAMs", []ev{{"c", h2.FrameHeaders, ehs, 1, hcl, hcr}, {"s", h2.FrameHeaders, ehs, 1, clsd, clsd}}, ev{from: "s", typ: h2.FrameData, id: 1}, "recv", h2.ErrCodeStreamClosed, false},
		{"DATA after the sender's own RST_STREAM", append(open1, ev{"c", h2.FrameRSTStream, 0, 1, clsd, clsd}), ev{from: "c", typ: h2.FrameData, id: 1}, "recv", h2.ErrCodeStreamClosed, true},
		{"CONTINUATION without HEADERS", open1, ev{from: "c", typ: h2.FrameContinuation, flags: eh, id: 1}, "recv", h2.ErrCodeProtocol, false},
		{"a PING inside a header block", []ev{{"c", h2.FrameHeaders, 0, 1, open, open}}, ev{from: "c", typ: h2.FramePing}, "recv", h2.ErrCodeProtocol, false},
		{"another stream inside a header block", []ev{{"c", h2.FrameHeaders, 0, 1, open, open}}, ev{from: "c", typ: h2.FrameHeaders, flags: eh, id: 3}, "recv", h2.ErrCodeProtocol, false},
		{"PUSH_PROMISE (gRPC disables push)", open1, ev{from: "s", typ: h2.FramePushPromise, flags: eh, id: 1}, "recv", h2.ErrCodeProtocol, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			client, server := runScript(t, impl, c.prelude)
			ep := map[string]dump.Endpoint{"c": client, "s": server}
			var err error
			if c.side == "send" {
				_, err = ep[c.bad.from].Send(c.bad.header())
			} else {
				to := map[string]string{"c": "s", "s": "c"}[c.bad.from]
				_, err = ep[to].Recv(c.bad.header())
			}
			step4.Check(t, err)
			kind := map[bool]string{true: "stream", false: "connection"}[c.stream]
			var e *h2.Error
			if !errors.As(err, &e) {
				t.Fatalf("%v (%s side): got %v; want a %s error %v as *h2.Error", c.bad, c.side, err, kind, c.code)
			}
			if e.Code != c.code || (e.Stream != 0) != c.stream {
				t.Errorf("%v (%s side): got %v; want a %s error %v (RFC 9113 §5.1)", c.bad, c.side, err, kind, c.code)
			}
		})
	}
}

// TestStreamsOnRecordings: step 4, real grpc-go traffic is legal, seen
// from both ends, and every stream ends closed.
func TestStreamsOnRecordings(t *testing.T, impl dump.Impl) {
	requireStep(t, impl, 4)
	for _, name := range recordings(t) {
		t.Run(name, func(t *testing.T) {
			client, server := impl.NewEndpoint(true), impl.NewEndpoint(false)
			seen := map[uint32]bool{}
			for _, fr := range framesInOrder(t, name) {
				sender, receiver := client, server
				if fr.dir == dump.S2C {
					sender, receiver = server, client
				}
				_, err := sender.Send(fr.h)
				step4.Check(t, err)
				_, err2 := receiver.Recv(fr.h)
				step4.Check(t, err2)
				if err != nil || err2 != nil {
					t.Fatalf("%s frame %v: grpc-go sent it, so it is legal; got send error %v, receive error %v", fr.dir, fr.h, err, err2)
				}
				if fr.h.StreamID != 0 {
					seen[fr.h.StreamID] = true
				}
			}
			for id := range seen {
				if c, s := client.State(id), server.State(id); c != clsd || s != clsd {
					t.Errorf("stream %d ended the recording %v (client) and %v (server); every call finished, so want closed", id, c, s)
				}
			}
		})
	}
}
