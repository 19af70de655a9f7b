// Command interceptdemo runs the interceptors lab (2.4
// 拦截器机制在日志、认证和监控中的应用) end to end in one process: a
// NoteService server on 127.0.0.1 behind the full chain (logging, metrics,
// auth, recovery), and a client with the request-id and default-timeout
// interceptors that makes a few calls: one allowed, one without a token,
// one with the wrong role, one by an admin, one that panics, and a stream.
// It prints the server's logs as they happen, then the /metrics text.
//
//	go run ./ch02-grpc-core/cmd/interceptdemo
//	go run ./ch02-grpc-core/cmd/interceptdemo -serve-metrics   # then curl the URL it prints; Ctrl-C stops
//	go run ./ch02-grpc-core/cmd/interceptdemo -impl=exercise   # your code instead of the solution
//	go run ./ch02-grpc-core/cmd/interceptdemo -impl=exercise -client-impl=solution
//
// Flags: -impl=solution|exercise, -client-impl (whose client interceptors;
// default: the same), -addr (default 127.0.0.1:0), -serve-metrics, -json
// (logs as JSON instead of text). Until step 7 is done, -client-impl=solution
// lets your server interceptors see the calls.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	notev1 "github.com/grpclabs/labs/ch02-grpc-core/gen/interceptors/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/solution"
	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/labkit"
)

func main() { demo.Main("interceptdemo", run) }

// The demo's tokens and policy: two roles, one admin-only method.
var (
	demoTokens = map[string]shared.Identity{
		"admin-token":  {Subject: "alice", Role: "admin"},
		"reader-token": {Subject: "bob", Role: "reader"},
	}
	demoPolicy = map[string][]string{
		notev1.NoteService_GetNote_FullMethodName:    {"reader", "admin"},
		notev1.NoteService_ListNotes_FullMethodName:  {"reader", "admin"},
		notev1.NoteService_DeleteNote_FullMethodName: {"admin"},
	}
)

// demoBuckets keep the printed histogram short; the calls take microseconds.
var demoBuckets = []float64{0.001, 0.01, 0.1, 1}

// metricsText is what both implementations' *Metrics offer.
type metricsText interface {
	WriteText(io.Writer) error
	http.Handler
}

// impl is one implementation of the lab, wired for the demo.
type impl struct {
	server func(*slog.Logger) ([]grpc.ServerOption, metricsText)
	dial   []grpc.DialOption
}

var (
	solutionImpl = impl{
		server: func(l *slog.Logger) ([]grpc.ServerOption, metricsText) {
			m := solution.NewMetrics(demoBuckets, nil)
			return solution.ServerOptions(l, nil, solution.NewAuth(demoTokens, demoPolicy), m), m
		},
		dial: []grpc.DialOption{
			grpc.WithChainUnaryInterceptor(solution.UnaryClientRequestID(nil), solution.UnaryClientTimeout(5*time.Second)),
			grpc.WithStreamInterceptor(solution.StreamClientRequestID(nil)),
		},
	}
	exerciseImpl = impl{
		server: func(l *slog.Logger) ([]grpc.ServerOption, metricsText) {
			m := exercise.NewMetrics(demoBuckets, nil)
			return exercise.ServerOptions(l, nil, exercise.NewAuth(demoTokens, demoPolicy), m), m
		},
		dial: []grpc.DialOption{
			grpc.WithChainUnaryInterceptor(exercise.UnaryClientRequestID(nil), exercise.UnaryClientTimeout(5*time.Second)),
			grpc.WithStreamInterceptor(exercise.StreamClientRequestID(nil)),
		},
	}
)

func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("interceptdemo")
	implName := demo.ImplFlag(fs)
	addr := fs.String("addr", "127.0.0.1:0", "gRPC listen address")
	serveMetrics := fs.Bool("serve-metrics", false, "after the calls, serve /metrics over HTTP on 127.0.0.1:0 until interrupted")
	clientImpl := fs.String("client-impl", "", "whose client interceptors run (default: the same as -impl)")
	jsonLogs := fs.Bool("json", false, "log as JSON instead of text")
	if err := demo.Parse(fs, args, "interceptdemo [-impl solution|exercise] [-client-impl solution|exercise] [-addr host:port] [-serve-metrics] [-json]", 0, stdio.Err); err != nil {
		return err
	}
	im, err := demo.Pick(*implName, solutionImpl, exerciseImpl)
	if err != nil {
		return err
	}
	if *clientImpl == "" {
		*clientImpl = *implName
	}
	ci, err := demo.Pick(*clientImpl, solutionImpl, exerciseImpl)
	if err != nil {
		return demo.Usagef("-client-impl: %v", err)
	}

	out := demo.Locked(stdio.Out) // the server logs from its own goroutines
	logger := newLogger(out, *jsonLogs)
	opts, metrics := im.server(logger)

	conn, stop, err := demo.NetFrom(ctx).Serve(demo.Server{
		Addr:     *addr,
		Register: func(s *grpc.Server) { notev1.RegisterNoteServiceServer(s, newNotes()) },
		Options:  opts,
	}, ci.dial...)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(out, "server on %s (impl=%s, client interceptors impl=%s)\n\n", conn.Target(), *implName, *clientImpl)

	wrong := calls(ctx, notev1.NewNoteServiceClient(conn), out)

	if *serveMetrics {
		if err := serveHTTP(ctx, metrics, out); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(out, "\n--- GET /metrics ---")
		if err := metrics.WriteText(out); err != nil {
			fmt.Fprintln(out, "WriteText:", err)
			wrong++
		}
	}
	if wrong > 0 {
		return fmt.Errorf("%d result(s) above are not what the demo shows (TODOs, or another outcome); go run ./scripts/lab check interceptors", wrong)
	}
	return nil
}

// calls makes the demo's calls, printing each outcome, and counts the ones
// that are not what the demo shows: a TODO, or another status code.
func calls(ctx context.Context, client notev1.NoteServiceClient, out io.Writer) (wrong int) {
	as := func(token string) context.Context {
		if token == "" {
			return ctx
		}
		return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	}
	report := func(what string, want codes.Code, detail string, err error) {
		note := ""
		if got := status.Code(err); got != want || labkit.IsTODO(err) {
			wrong++
			note = fmt.Sprintf("   (the demo expects %v)", want)
		}
		switch {
		case err == nil:
			fmt.Fprintf(out, "==> %-42s OK %s%s\n\n", what, detail, note)
		case labkit.IsTODO(err):
			fmt.Fprintf(out, "==> %-42s %s\n\n", what, status.Convert(err).Message())
		default:
			s := status.Convert(err)
			fmt.Fprintf(out, "==> %-42s %v: %s%s\n\n", what, s.Code(), s.Message(), note)
		}
	}

	resp, err := client.GetNote(as("reader-token"), &notev1.GetNoteRequest{Id: "welcome"})
	report("GetNote(welcome) as bob (reader)", codes.OK, fmt.Sprintf("%q", resp.GetNote().GetText()), err)
	_, err = client.GetNote(as(""), &notev1.GetNoteRequest{Id: "welcome"})
	report("GetNote(welcome) without a token", codes.Unauthenticated, "", err)
	_, err = client.DeleteNote(as("reader-token"), &notev1.DeleteNoteRequest{Id: "welcome"})
	report("DeleteNote(welcome) as bob (reader)", codes.PermissionDenied, "", err)
	_, err = client.DeleteNote(as("admin-token"), &notev1.DeleteNoteRequest{Id: "welcome"})
	report("DeleteNote(welcome) as alice (admin)", codes.OK, "", err)
	// A caller-chosen request id travels to the server's log unchanged.
	_, err = client.GetNote(metadata.AppendToOutgoingContext(as("reader-token"), shared.RequestIDHeader, "demo-panic-1"), &notev1.GetNoteRequest{Id: "panic"})
	report("GetNote(panic) as bob, x-request-id set", codes.Internal, "", err)

	stream, err := client.ListNotes(as("reader-token"), &notev1.ListNotesRequest{})
	var ids []string
	for err == nil {
		var r *notev1.ListNotesResponse
		if r, err = stream.Recv(); err == nil {
			ids = append(ids, r.GetNote().GetId())
		}
	}
	if err == io.EOF {
		err = nil
	}
	report("ListNotes as bob (reader)", codes.OK, strings.Join(ids, ", "), err)
	return wrong
}

// serveHTTP serves /metrics on a free loopback port until ctx ends.
func serveHTTP(ctx context.Context, metrics http.Handler, out io.Writer) error {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for /metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(lis) }()
	fmt.Fprintf(out, "metrics at http://%s/metrics (Ctrl-C to stop)\n", lis.Addr())
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx)
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newLogger logs text (or JSON) and shortens panic stacks to their first
// lines, so the demo stays readable.
func newLogger(w io.Writer, json bool) *slog.Logger {
	o := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == "stack" {
			lines := strings.SplitN(a.Value.String(), "\n", 8)
			if len(lines) == 8 {
				lines[7] = "..."
			}
			return slog.String("stack", strings.Join(lines, " | "))
		}
		if a.Key == slog.TimeKey {
			return slog.Attr{} // the demo's output reads better without timestamps
		}
		return a
	}}
	if json {
		return slog.New(slog.NewJSONHandler(w, o))
	}
	return slog.New(slog.NewTextHandler(w, o))
}

// notes is the demo's NoteService. The id "panic" makes GetNote fail the
// way real code does: a write to a nil map.
type notes struct {
	notev1.UnimplementedNoteServiceServer
	mu    sync.Mutex
	notes map[string]string
}

func newNotes() *notes {
	return &notes{notes: map[string]string{
		"welcome": "Interceptors wrap every call.",
		"order":   "The first interceptor is the outermost.",
		"streams": "Stream interceptors wrap the ServerStream.",
	}}
}

func (n *notes) note(ctx context.Context, id, text string) *notev1.Note {
	who, _ := shared.IdentityFrom(ctx)
	return &notev1.Note{Id: id, Text: text, SeenSubject: who.Subject, SeenRequestId: shared.RequestIDFrom(ctx)}
}

func (n *notes) GetNote(ctx context.Context, req *notev1.GetNoteRequest) (*notev1.GetNoteResponse, error) {
	if req.GetId() == "panic" {
		var cache map[string]string
		cache[req.GetId()] = "boom" // panics: assignment to entry in nil map
	}
	n.mu.Lock()
	text, ok := n.notes[req.GetId()]
	n.mu.Unlock()
	if !ok {
		return nil, status.Errorf(codes.NotFound, "note %q not found", req.GetId())
	}
	return &notev1.GetNoteResponse{Note: n.note(ctx, req.GetId(), text)}, nil
}

func (n *notes) DeleteNote(_ context.Context, req *notev1.DeleteNoteRequest) (*notev1.DeleteNoteResponse, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.notes[req.GetId()]; !ok {
		return nil, status.Errorf(codes.NotFound, "note %q not found", req.GetId())
	}
	delete(n.notes, req.GetId())
	return &notev1.DeleteNoteResponse{}, nil
}

func (n *notes) ListNotes(req *notev1.ListNotesRequest, ss grpc.ServerStreamingServer[notev1.ListNotesResponse]) error {
	n.mu.Lock()
	var all []*notev1.Note
	for id, text := range n.notes {
		all = append(all, n.note(ss.Context(), id, text))
	}
	n.mu.Unlock()
	for i, note := range all {
		if req.GetLimit() > 0 && i >= int(req.GetLimit()) {
			break
		}
		if err := ss.Send(&notev1.ListNotesResponse{Note: note}); err != nil {
			return err
		}
	}
	return nil
}
