package streamingtest

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
	"github.com/grpclabs/labs/scripts/labkit"
)

// NewLogServerFunc builds the log service over a store.
type NewLogServerFunc[S streamingv1.LogServiceServer] func(*backend.LogStore) S

func serveLogs[S streamingv1.LogServiceServer](t *testing.T, tr labkit.Transport, srv S) (streamingv1.LogServiceClient, *probe) {
	s, p := serve(t, tr, func(g *grpc.Server) { streamingv1.RegisterLogServiceServer(g, srv) })
	return streamingv1.NewLogServiceClient(s.Conn), p
}

type tailStream = grpc.ServerStreamingClient[streamingv1.TailResponse]

// expectLines receives len(want) lines and checks each, in order.
func expectLines(t *testing.T, stream tailStream, want []backend.Line, what string) {
	t.Helper()
	for i, w := range want {
		got, err := recvWithin(t, stream.Recv, fmt.Sprintf("%s: line %d of %d (seq %d %q)", what, i+1, len(want), w.Seq, w.Text))
		if errors.Is(err, io.EOF) {
			t.Fatalf("%s: the stream ended after %d lines, want %d (seq %d %q next)", what, i, len(want), w.Seq, w.Text)
		}
		step2.Require(t, err)
		if got.GetSeq() != w.Seq || got.GetText() != w.Text {
			t.Fatalf("%s: line %d = (seq %d %q), want (seq %d %q): matching lines, in order, each once", what, i+1, got.GetSeq(), got.GetText(), w.Seq, w.Text)
		}
	}
}

var accessLog = []string{
	"GET /index.html 200",
	"POST /api/orders 500",
	"GET /favicon.ico 404",
	"GET /api/orders 500",
	"GET /healthz 200",
}

// TestTail: step 2, the log tail: matching stored lines, then (with
// follow) new ones, until the client goes away.
func TestTail[S streamingv1.LogServiceServer](t *testing.T, newServer NewLogServerFunc[S]) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		store := backend.NewLogStore(0)
		store.Append(accessLog...)
		client, _ := serveLogs(t, tr, newServer(store))

		stream, err := client.Tail(t.Context(), &streamingv1.TailRequest{Filter: ` 5\d\d$`})
		step2.Require(t, err)
		expectLines(t, stream, []backend.Line{{Seq: 2, Text: accessLog[1]}, {Seq: 4, Text: accessLog[3]}}, `Tail(filter " 5\d\d$")`)
		_, err = recvWithin(t, stream.Recv, "the end of a tail without follow")
		if step2.Check(t, err) != io.EOF {
			t.Fatalf("after the stored lines, a tail without follow must end with OK (io.EOF at the client), got %v", err)
		}
	})

	t.Run("no_filter", func(t *testing.T) {
		store := backend.NewLogStore(0)
		store.Append(accessLog...)
		client, _ := serveLogs(t, labkit.Bufconn, newServer(store))
		stream, err := client.Tail(t.Context(), &streamingv1.TailRequest{})
		step2.Require(t, err)
		var want []backend.Line
		for i, l := range accessLog {
			want = append(want, backend.Line{Seq: uint64(i + 1), Text: l})
		}
		expectLines(t, stream, want, "Tail with no filter")
	})

	t.Run("bad_filter", func(t *testing.T) {
		client, _ := serveLogs(t, labkit.Bufconn, newServer(backend.NewLogStore(0)))
		for _, filter := range []string{"(", "a{2,1}", strings.Repeat("a", 1025)} {
			stream, err := client.Tail(t.Context(), &streamingv1.TailRequest{Filter: filter, Follow: true})
			step2.Require(t, err)
			_, err = recvWithin(t, stream.Recv, "the error for a bad filter")
			wantCode(t, step2, err, codes.InvalidArgument, fmt.Sprintf("Tail(filter %.20q)", filter))
		}
	})

	leakFree(t, "follow", func(t *testing.T) {
		store := backend.NewLogStore(0)
		store.Append("INFO boot", "ERROR disk full")
		client, p := serveLogs(t, labkit.Bufconn, newServer(store))
		ctx, cancel := ctxWithCancel(t)
		stream, err := client.Tail(ctx, &streamingv1.TailRequest{Filter: "ERROR", Follow: true})
		step2.Require(t, err)
		expectLines(t, stream, []backend.Line{{Seq: 2, Text: "ERROR disk full"}}, "follow: the stored lines first")

		// New lines, one at a time and in a batch; only matches arrive.
		store.Append("ERROR retrying")
		expectLines(t, stream, []backend.Line{{Seq: 3, Text: "ERROR retrying"}}, "follow: a line appended later")
		store.Append("INFO ok", "ERROR again", "INFO still ok", "ERROR and again")
		expectLines(t, stream, []backend.Line{{Seq: 5, Text: "ERROR again"}, {Seq: 7, Text: "ERROR and again"}}, "follow: a batch appended later")

		cancel()
		err = p.waitEnded(t, "the client cancelled a follow")
		wantCode(t, step2, err, codes.Canceled, "the Tail handler's return after the client cancelled")
	})

	t.Run("follow_concurrent_writers", func(t *testing.T) {
		// Lines appended while the handler is sending must neither be lost
		// nor repeated: every seq once, in order.
		store := backend.NewLogStore(0)
		client, _ := serveLogs(t, labkit.Bufconn, newServer(store))
		ctx, cancel := ctxWithCancel(t)
		defer cancel()
		stream, err := client.Tail(ctx, &streamingv1.TailRequest{Follow: true})
		step2.Require(t, err)
		const writers, each = 4, 100
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					store.Append(fmt.Sprintf("writer %d line %d", w, i))
				}
			})
		}
		for want := uint64(1); want <= writers*each; want++ {
			got, err := recvWithin(t, stream.Recv, fmt.Sprintf("seq %d of %d", want, writers*each))
			step2.Require(t, err)
			if got.GetSeq() != want {
				t.Fatalf("got seq %d, want %d: each appended line exactly once, in order", got.GetSeq(), want)
			}
		}
		wg.Wait()
	})

	t.Run("50_followers", func(t *testing.T) {
		store := backend.NewLogStore(0)
		client, p := serveLogs(t, labkit.Bufconn, newServer(store))
		ctx, cancel := ctxWithCancel(t)
		const n, lines = 50, 20
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			stream, err := client.Tail(ctx, &streamingv1.TailRequest{Filter: "^job", Follow: true})
			step2.Require(t, err)
			wg.Go(func() {
				for i := range uint64(lines) {
					want := 2*i + 1 // each job line is followed by a noise line
					got, err := stream.Recv()
					if err != nil {
						errs <- err // as it is: a TODO must stay recognisable
						return
					}
					if got.GetSeq() != want {
						errs <- fmt.Errorf("got seq %d, want %d", got.GetSeq(), want)
						return
					}
				}
			})
		}
		for i := range lines {
			store.Append(fmt.Sprintf("job %d done", i), "noise")
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			step2.Require(t, err)
		}
		cancel()
		for range n {
			p.waitEnded(t, "the client cancelled its follows")
		}
	})
}
