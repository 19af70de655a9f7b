package interceptorstest

import (
	"log/slog"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	notev1 "github.com/grpclabs/labs/ch02-grpc-core/gen/interceptors/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
	"github.com/grpclabs/labs/scripts/labkit"
)

// UnaryLoggingFunc is the lab's UnaryLogging.
type UnaryLoggingFunc = func(*slog.Logger, shared.Clock) grpc.UnaryServerInterceptor

// StreamLoggingFunc is the lab's StreamLogging.
type StreamLoggingFunc = func(*slog.Logger, shared.Clock) grpc.StreamServerInterceptor

// oneRecord takes the log and insists on exactly one "finished call" line.
func oneRecord(t *testing.T, logs *logBuffer, what string) record {
	t.Helper()
	recs := logs.take(t)
	if len(recs) != 1 {
		t.Fatalf("%s: got %d log records %v, want exactly one per call", what, len(recs), recs)
	}
	return recs[0]
}

// checkRecord compares the fields every "finished call" record has.
func checkRecord(t *testing.T, what string, r record, method string, code codes.Code, level string, s seen) {
	t.Helper()
	for key, want := range map[string]string{
		"msg":          "finished call",
		"level":        level,
		"grpc.method":  method,
		"grpc.code":    code.String(),
		"peer.address": s.peer,
		"request_id":   s.requestID,
	} {
		if got := r.str(key); got != want {
			t.Errorf("%s: log field %q = %q, want %q (record %v)", what, key, got, want, r)
		}
	}
	if s.requestID == "" {
		t.Errorf("%s: the handler found no request id in its context; put it there with shared.ContextWithRequestID", what)
	}
	_, hasErr := r["grpc.error"]
	if code == codes.OK && hasErr {
		t.Errorf("%s: a successful call logged grpc.error: %v", what, r)
	}
	if code != codes.OK && r.str("grpc.error") == "" {
		t.Errorf("%s: a failed call must log its status message as grpc.error: %v", what, r)
	}
}

func checkDuration(t *testing.T, what string, r record, want time.Duration) {
	t.Helper()
	got, ok := r["grpc.duration_ms"].(float64)
	wantMS := float64(want) / float64(time.Millisecond)
	if !ok || math.Abs(got-wantMS) > 1e-9 {
		t.Errorf("%s: grpc.duration_ms = %v, want %v: the clock you were given advanced exactly %v during the call (use it, not time.Now)", what, r["grpc.duration_ms"], wantMS, want)
	}
}

func checkPeer(t *testing.T, tr labkit.Transport, what string, s seen) {
	t.Helper()
	if tr != labkit.Loopback {
		return
	}
	host, port, err := net.SplitHostPort(s.peer)
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Errorf("%s: peer.address %q, want the client's 127.0.0.1:port", what, s.peer)
	}
}

// TestUnaryLogging: step 1.
func TestUnaryLogging(t *testing.T, unaryLogging UnaryLoggingFunc) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		clock := newClock()
		p := newProbe(clock)
		logger, logs := newLogger()
		client := serve(t, tr, p, grpc.UnaryInterceptor(unaryLogging(logger, clock.Now)))

		// A call with the client's request id: kept, logged, in the context.
		p.setWork(250 * time.Millisecond)
		resp, err := client.GetNote(withMD(t.Context(), shared.RequestIDHeader, "req-abc"), &notev1.GetNoteRequest{Id: "n1"})
		step1.Require(t, err)
		if resp.GetNote().GetId() != "n1" || resp.GetNote().GetText() != "text of n1" {
			t.Fatalf("GetNote(n1) = %v; the interceptor must return the handler's response unchanged", resp)
		}
		s := p.takeCalls()[0]
		if s.requestID != "req-abc" {
			t.Errorf("the handler saw request id %q, want the client's %q", s.requestID, "req-abc")
		}
		r := oneRecord(t, logs, "GetNote with x-request-id")
		checkRecord(t, "GetNote with x-request-id", r, mGet, codes.OK, "INFO", s)
		checkDuration(t, "GetNote", r, 250*time.Millisecond)
		checkPeer(t, tr, "GetNote", s)

		// Without an id the server makes one: valid, new each call.
		p.setWork(0)
		var ids []string
		for range 2 {
			_, err := client.GetNote(t.Context(), &notev1.GetNoteRequest{Id: "n2"})
			step1.Require(t, err)
			s := p.takeCalls()[0]
			r := oneRecord(t, logs, "GetNote without x-request-id")
			checkRecord(t, "GetNote without x-request-id", r, mGet, codes.OK, "INFO", s)
			checkDuration(t, "GetNote", r, 0)
			if !shared.ValidRequestID(s.requestID) {
				t.Errorf("generated request id %q is not valid; use shared.NewRequestID", s.requestID)
			}
			ids = append(ids, s.requestID)
		}
		if ids[0] == ids[1] {
			t.Errorf("two calls without an id both got %q; make a new one per call", ids[0])
		}

		// A client may not put arbitrary text in our logs.
		for _, bad := range []string{"has space", "quote\"inside", strings.Repeat("a", shared.MaxRequestIDLen+1)} {
			_, err := client.GetNote(withMD(t.Context(), shared.RequestIDHeader, bad), &notev1.GetNoteRequest{Id: "n3"})
			step1.Require(t, err)
			s := p.takeCalls()[0]
			r := oneRecord(t, logs, "GetNote with a bad id")
			if s.requestID == bad || r.str("request_id") == bad || !shared.ValidRequestID(s.requestID) {
				t.Errorf("client sent request id %q (not shared.ValidRequestID): the handler saw %q and the log has %q; replace it with a new one", bad, s.requestID, r.str("request_id"))
			}
		}

		// Failures: the code, the message, and a level by who is to blame.
		for _, tc := range []struct {
			id    string
			code  codes.Code
			level string
		}{
			{"missing", codes.NotFound, "WARN"},
			{"broken", codes.Internal, "ERROR"},
		} {
			_, err := client.GetNote(withMD(t.Context(), shared.RequestIDHeader, "req-"+tc.id), &notev1.GetNoteRequest{Id: tc.id})
			if got := status.Code(err); got != tc.code {
				step1.Check(t, err)
				t.Fatalf("GetNote(%s): code %v, want %v passed through unchanged (%v)", tc.id, got, tc.code, err)
			}
			s := p.takeCalls()[0]
			r := oneRecord(t, logs, "GetNote("+tc.id+")")
			checkRecord(t, "GetNote("+tc.id+")", r, mGet, tc.code, tc.level, s)
			if want := status.Convert(err).Message(); r.str("grpc.error") != want {
				t.Errorf("GetNote(%s): grpc.error = %q, want the status message %q", tc.id, r.str("grpc.error"), want)
			}
		}
	})
}

// TestStreamLogging: step 2.
func TestStreamLogging(t *testing.T, streamLogging StreamLoggingFunc) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		clock := newClock()
		p := newProbe(clock)
		logger, logs := newLogger()
		client := serve(t, tr, p, grpc.StreamInterceptor(streamLogging(logger, clock.Now)))

		p.setWork(1500 * time.Millisecond)
		notes, err := listAll(withMD(t.Context(), shared.RequestIDHeader, "req-stream"), client, 0)
		step2.Require(t, err)
		if len(notes) != 3 {
			t.Fatalf("ListNotes sent %d notes, want 3: the wrapped stream must still send", len(notes))
		}
		for _, n := range notes {
			if n.GetSeenRequestId() != "req-stream" {
				t.Fatalf("the stream handler saw request id %q in ss.Context(), want %q: hand the handler a wrapped grpc.ServerStream whose Context() carries it", n.GetSeenRequestId(), "req-stream")
			}
		}
		s := p.takeCalls()[0]
		r := oneRecord(t, logs, "ListNotes")
		checkRecord(t, "ListNotes", r, mList, codes.OK, "INFO", s)
		checkDuration(t, "ListNotes", r, 1500*time.Millisecond)
		checkPeer(t, tr, "ListNotes", s)

		// Without an id, one is made up; an error is logged with its code.
		p.setWork(0)
		_, err = listAll(t.Context(), client, 1000)
		if got := status.Code(err); got != codes.OutOfRange {
			step2.Check(t, err)
			t.Fatalf("ListNotes(limit 1000): code %v, want OutOfRange passed through (%v)", got, err)
		}
		s = p.takeCalls()[0]
		r = oneRecord(t, logs, "ListNotes(limit 1000)")
		checkRecord(t, "ListNotes(limit 1000)", r, mList, codes.OutOfRange, "WARN", s)
		if !shared.ValidRequestID(s.requestID) {
			t.Errorf("generated request id %q is not valid; use shared.NewRequestID", s.requestID)
		}
	})
}
