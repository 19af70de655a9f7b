package interceptorstest

import (
	"log/slog"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	notev1 "github.com/grpclabs/labs/ch02-grpc-core/gen/interceptors/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// UnaryRecoveryFunc is the lab's UnaryRecovery.
type UnaryRecoveryFunc = func(*slog.Logger) grpc.UnaryServerInterceptor

// StreamRecoveryFunc is the lab's StreamRecovery.
type StreamRecoveryFunc = func(*slog.Logger) grpc.StreamServerInterceptor

// checkPanicRecord checks the one record a recovered panic leaves.
func checkPanicRecord(t *testing.T, logs *logBuffer, method, frame string) {
	t.Helper()
	recs := logs.take(t)
	var r record
	for _, x := range recs {
		if x.str("msg") == "panic recovered" {
			r = x
		}
	}
	if r == nil {
		t.Fatalf("no log record with msg \"panic recovered\" (got %v)", recs)
	}
	if r.str("level") != "ERROR" || r.str("grpc.method") != method {
		t.Errorf("panic record: level %q grpc.method %q, want ERROR and %q", r.str("level"), r.str("grpc.method"), method)
	}
	if !strings.Contains(r.str("panic"), panicValue) {
		t.Errorf("panic record: field panic = %q, want the panic value %q", r.str("panic"), panicValue)
	}
	if !strings.Contains(r.str("stack"), frame) {
		t.Errorf("panic record: field stack does not contain the handler's frame %q; call debug.Stack() in the deferred function:\n%s", frame, r.str("stack"))
	}
}

// expectInternal checks what the client gets for a panic: Internal, and
// nothing of the panic value.
func expectInternal(t *testing.T, what string, err error) {
	t.Helper()
	if step6.Check(t, err) == nil {
		t.Fatalf("%s: the call succeeded; want Internal", what)
	}
	s := status.Convert(err)
	if s.Code() != codes.Internal {
		t.Errorf("%s: code %v, want Internal (%v)", what, s.Code(), err)
	}
	if strings.Contains(s.Message(), panicValue) {
		t.Errorf("%s: the client sees the panic value in %q; keep it in the server log", what, s.Message())
	}
}

// TestRecovery: step 6. A wrong recovery does not fail this test: it
// crashes the test binary, exactly as it would crash a server.
func TestRecovery(t *testing.T, unaryRecovery UnaryRecoveryFunc, streamRecovery StreamRecoveryFunc) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		logger, logs := newLogger()
		p := newProbe(nil)
		client := serve(t, tr, p, grpc.UnaryInterceptor(unaryRecovery(logger)), grpc.StreamInterceptor(streamRecovery(logger)))

		t.Run("unary", func(t *testing.T) {
			_, err := client.GetNote(t.Context(), &notev1.GetNoteRequest{Id: "panic"})
			expectInternal(t, "GetNote(panic)", err)
			checkPanicRecord(t, logs, mGet, "interceptorstest.(*probe).GetNote")

			// Still serving; ordinary results and errors pass untouched.
			resp, err := client.GetNote(t.Context(), &notev1.GetNoteRequest{Id: "n1"})
			step6.Require(t, err)
			if resp.GetNote().GetId() != "n1" {
				t.Errorf("after a panic, GetNote(n1) = %v", resp)
			}
			_, err = client.GetNote(t.Context(), &notev1.GetNoteRequest{Id: "missing"})
			if status.Code(err) != codes.NotFound {
				t.Errorf("GetNote(missing): %v, want NotFound untouched", err)
			}
			if recs := logs.take(t); len(recs) != 0 {
				t.Errorf("recovery logged %v for calls that did not panic", recs)
			}
		})

		t.Run("stream", func(t *testing.T) {
			notes, err := listAll(t.Context(), client, -1)
			expectInternal(t, "ListNotes that panics after one note", err)
			if len(notes) != 1 {
				t.Errorf("received %d notes before the error, want the 1 sent before the panic", len(notes))
			}
			checkPanicRecord(t, logs, mList, "interceptorstest.(*probe).ListNotes")

			notes, err = listAll(t.Context(), client, 2)
			step6.Require(t, err)
			if len(notes) != 2 {
				t.Errorf("after a panic, ListNotes(2) sent %d notes", len(notes))
			}
			_, err = listAll(t.Context(), client, 1000)
			if status.Code(err) != codes.OutOfRange {
				t.Errorf("ListNotes(1000): %v, want OutOfRange untouched", err)
			}
		})
	})
}
