package interceptorstest

import (
	"log/slog"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	notev1 "github.com/grpclabs/labs/ch02-grpc-core/gen/interceptors/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
	"github.com/grpclabs/labs/scripts/labkit"
)

// ServerOptionsFunc is the lab's ServerOptions.
type ServerOptionsFunc[A AuthAPI, M MetricsAPI] = func(*slog.Logger, shared.Clock, A, M) []grpc.ServerOption

// TestServerOptions: step 9, the whole chain in the right order. Each
// check below is only true for one order of the four interceptors.
func TestServerOptions[A AuthAPI, M MetricsAPI](t *testing.T, newAuth NewAuthFunc[A], newMetrics NewMetricsFunc[M], serverOptions ServerOptionsFunc[A, M]) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		clock := newClock()
		logger, logs := newLogger()
		m := newMetrics(testBounds, clock.Now)
		p := newProbe(clock)
		client := serve(t, tr, p, serverOptions(logger, clock.Now, newAuth(tokens(), policy()), m)...)

		// expect checks one call: its code, the "finished call" record (and
		// the records before it), and that the handler ran or not.
		expect := func(what string, err error, code codes.Code, method, reqID string, ran bool, before ...string) {
			t.Helper()
			if code == codes.OK {
				step9.Require(t, err)
			} else if step9.Check(t, err) == nil || status.Code(err) != code {
				t.Fatalf("%s: got %v, want %v", what, err, code)
			}
			if calls := p.takeCalls(); (len(calls) == 1) != ran {
				t.Errorf("%s: the handler ran %d time(s), want ran=%v", what, len(calls), ran)
			}
			recs := logs.take(t)
			var msgs []string
			for _, r := range recs {
				msgs = append(msgs, r.str("msg"))
			}
			if want := append(before, "finished call"); len(msgs) != len(want) || msgs[len(msgs)-1] != "finished call" || (len(before) > 0 && msgs[0] != before[0]) {
				t.Fatalf("%s: log messages %q, want %q: logging must be the outermost interceptor, so it sees every call and logs last", what, msgs, want)
			}
			last := recs[len(recs)-1]
			if last.str("grpc.code") != code.String() || last.str("grpc.method") != method || last.str("request_id") != reqID {
				t.Errorf("%s: logged code %q method %q request_id %q, want %v %s %s", what, last.str("grpc.code"), last.str("grpc.method"), last.str("request_id"), code, method, reqID)
			}
			if len(recs) == 2 && recs[0].str("request_id") != reqID {
				t.Errorf("%s: the panic record has request_id %q, want %q: recovery runs inside logging, so it sees the id", what, recs[0].str("request_id"), reqID)
			}
		}

		ctx := withMD(bearer(t.Context(), tokReader), shared.RequestIDHeader, "req-1")
		p.setWork(100 * time.Millisecond)
		resp, err := client.GetNote(ctx, &notev1.GetNoteRequest{Id: "n1"})
		expect("GetNote as reader", err, codes.OK, mGet, "req-1", true)
		if n := resp.GetNote(); n.GetSeenSubject() != "bob" || n.GetSeenRequestId() != "req-1" {
			t.Errorf("the handler saw subject %q request id %q, want bob and req-1", n.GetSeenSubject(), n.GetSeenRequestId())
		}
		p.setWork(0)

		_, err = client.GetNote(withMD(t.Context(), shared.RequestIDHeader, "req-2"), &notev1.GetNoteRequest{Id: "n1"})
		expect("GetNote without a token", err, codes.Unauthenticated, mGet, "req-2", false)

		_, err = client.DeleteNote(withMD(bearer(t.Context(), tokReader), shared.RequestIDHeader, "req-3"), &notev1.DeleteNoteRequest{Id: "n1"})
		expect("DeleteNote as reader", err, codes.PermissionDenied, mDelete, "req-3", false)

		_, err = client.DeleteNote(withMD(bearer(t.Context(), tokAdmin), shared.RequestIDHeader, "req-4"), &notev1.DeleteNoteRequest{Id: "n1"})
		expect("DeleteNote as admin", err, codes.OK, mDelete, "req-4", true)

		_, err = client.GetNote(withMD(bearer(t.Context(), tokReader), shared.RequestIDHeader, "req-5"), &notev1.GetNoteRequest{Id: "panic"})
		expect("GetNote that panics", err, codes.Internal, mGet, "req-5", true, "panic recovered")

		notes, err := listAll(withMD(bearer(t.Context(), tokReader), shared.RequestIDHeader, "req-6"), client, 0)
		expect("ListNotes as reader", err, codes.OK, mList, "req-6", true)
		for _, n := range notes {
			if n.GetSeenSubject() != "bob" || n.GetSeenRequestId() != "req-6" {
				t.Fatalf("the stream handler saw subject %q request id %q in ss.Context(), want bob and req-6: each wrapped stream must build on the context of the stream it wraps", n.GetSeenSubject(), n.GetSeenRequestId())
			}
		}
		if len(notes) != 3 {
			t.Errorf("ListNotes: %d notes, want 3", len(notes))
		}

		_, err = listAll(withMD(t.Context(), shared.RequestIDHeader, "req-7"), client, 0)
		expect("ListNotes without a token", err, codes.Unauthenticated, mList, "req-7", false)

		_, err = listAll(withMD(bearer(t.Context(), tokReader), shared.RequestIDHeader, "req-8"), client, -1)
		expect("ListNotes that panics", err, codes.Internal, mList, "req-8", true, "panic recovered")

		// Metrics sit outside auth and recovery: refused and panicking calls
		// are counted with the code the client saw.
		snap := m.Snapshot()
		for _, want := range []shared.Series{
			{Method: mGet, Code: codes.OK, Count: 1, Sum: 0.1, Buckets: []uint64{1, 1, 1}},
			{Method: mGet, Code: codes.Unauthenticated, Count: 1, Buckets: []uint64{1, 1, 1}},
			{Method: mGet, Code: codes.Internal, Count: 1, Buckets: []uint64{1, 1, 1}},
			{Method: mDelete, Code: codes.OK, Count: 1, Buckets: []uint64{1, 1, 1}},
			{Method: mDelete, Code: codes.PermissionDenied, Count: 1, Buckets: []uint64{1, 1, 1}},
			{Method: mList, Code: codes.OK, Count: 1, Buckets: []uint64{1, 1, 1}},
			{Method: mList, Code: codes.Unauthenticated, Count: 1, Buckets: []uint64{1, 1, 1}},
			{Method: mList, Code: codes.Internal, Count: 1, Buckets: []uint64{1, 1, 1}},
		} {
			if got, ok := snap.Find(want.Method, want.Code); !ok || !sameSeries(got, want) {
				t.Errorf("metrics for %s %v: %+v, want %+v: metrics go outside auth and recovery", want.Method, want.Code, got, want)
			}
		}
		if len(snap.Series) != 8 {
			t.Errorf("metrics have %d series, want 8", len(snap.Series))
		}
	})
}
