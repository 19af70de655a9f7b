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
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	notev1 "github.com/grpclabs/labs/ch02-grpc-core/gen/interceptors/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/solution"
	"github.com/grpclabs/labs/scripts/labkit"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "interceptdemo:", err)
		}
		os.Exit(1)
	}
}

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

func pick(name string) (impl, error) {
	switch name {
	case "solution":
		return impl{
			server: func(l *slog.Logger) ([]grpc.ServerOption, metricsText) {
				m := solution.NewMetrics(demoBuckets, nil)
				return solution.ServerOptions(l, nil, solution.NewAuth(demoTokens, demoPolicy), m), m
			},
			dial: []grpc.DialOption{
				grpc.WithChainUnaryInterceptor(solution.UnaryClientRequestID(nil), solution.UnaryClientTimeout(5*time.Second)),
				grpc.WithStreamInterceptor(solution.StreamClientRequestID(nil)),
			},
		}, nil
	case "exercise":
		return impl{
			server: func(l *slog.Logger) ([]grpc.ServerOption, metricsText) {
				m := exercise.NewMetrics(demoBuckets, nil)
				return exercise.ServerOptions(l, nil, exercise.NewAuth(demoTokens, demoPolicy), m), m
			},
			dial: []grpc.DialOption{
				grpc.WithChainUnaryInterceptor(exercise.UnaryClientRequestID(nil), exercise.UnaryClientTimeout(5*time.Second)),
				grpc.WithStreamInterceptor(exercise.StreamClientRequestID(nil)),
			},
		}, nil
	}
	return impl{}, fmt.Errorf("-impl=%q: want solution or exercise", name)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("interceptdemo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	implName := fs.String("impl", "solution", "whose interceptors run: solution or exercise")
	addr := fs.String("addr", "127.0.0.1:0", "gRPC listen address")
	serveMetrics := fs.Bool("serve-metrics", false, "after the calls, serve /metrics over HTTP on 127.0.0.1:0 until interrupted")
	clientImpl := fs.String("client-impl", "", "whose client interceptors run (default: the same as -impl)")
	jsonLogs := fs.Bool("json", false, "log as JSON instead of text")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	im, err := pick(*implName)
	if err != nil {
		return err
	}
	if *clientImpl != "" {
		ci, err := pick(*clientImpl)
		if err != nil {
			return fmt.Errorf("-client-impl: %w", err)
		}
		im.dial = ci.dial
	}

	out := &lockedWriter{w: stdout} // the server logs from its own goroutines
	logger := newLogger(out, *jsonLogs)
	opts, metrics := im.server(logger)

	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := grpc.NewServer(opts...)
	notev1.RegisterNoteServiceServer(srv, newNotes())
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(lis) }()
	defer func() { srv.Stop(); <-served }()

	conn, err := grpc.NewClient(lis.Addr().String(), append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, im.dial...)...)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	fmt.Fprintf(out, "server on %s, impl=%s\n\n", lis.Addr(), *implName)

	todos := calls(ctx, notev1.NewNoteServiceClient(conn), out)

	if *serveMetrics {
		if err := serveHTTP(ctx, metrics, out); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(out, "\n--- GET /metrics ---")
		if err := metrics.WriteText(out); err != nil {
			fmt.Fprintln(out, "WriteText:", err)
			todos++
		}
	}
	if todos > 0 {
		return fmt.Errorf("%d result(s) above are TODOs; go run ./scripts/lab check interceptors", todos)
	}
	return nil
}

// calls makes the demo's calls, printing each outcome, and counts TODOs.
func calls(ctx context.Context, client notev1.NoteServiceClient, out io.Writer) (todos int) {
	as := func(token string) context.Context {
		if token == "" {
			return ctx
		}
		return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	}
	report := func(what string, detail string, err error) {
		switch {
		case err == nil:
			fmt.Fprintf(out, "==> %-42s OK %s\n\n", what, detail)
		case labkit.IsTODO(err):
			todos++
			fmt.Fprintf(out, "==> %-42s %s\n\n", what, status.Convert(err).Message())
		default:
			s := status.Convert(err)
			fmt.Fprintf(out, "==> %-42s %v: %s\n\n", what, s.Code(), s.Message())
		}
	}

	resp, err := client.GetNote(as("reader-token"), &notev1.GetNoteRequest{Id: "welcome"})
	report("GetNote(welcome) as bob (reader)", fmt.Sprintf("%q", resp.GetNote().GetText()), err)
	_, err = client.GetNote(as(""), &notev1.GetNoteRequest{Id: "welcome"})
	report("GetNote(welcome) without a token", "", err)
	_, err = client.DeleteNote(as("reader-token"), &notev1.DeleteNoteRequest{Id: "welcome"})
	report("DeleteNote(welcome) as bob (reader)", "", err)
	_, err = client.DeleteNote(as("admin-token"), &notev1.DeleteNoteRequest{Id: "welcome"})
	report("DeleteNote(welcome) as alice (admin)", "", err)
	// A caller-chosen request id travels to the server's log unchanged.
	_, err = client.GetNote(metadata.AppendToOutgoingContext(as("reader-token"), shared.RequestIDHeader, "demo-panic-1"), &notev1.GetNoteRequest{Id: "panic"})
	report("GetNote(panic) as bob, x-request-id set", "", err)

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
	report("ListNotes as bob (reader)", strings.Join(ids, ", "), err)
	return todos
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

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
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
