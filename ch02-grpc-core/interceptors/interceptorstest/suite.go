// Package interceptorstest is the interceptors lab's suite. The exercise
// and the solution both run it through their one-screen *_test.go files,
// so every assertion is written once.
//
// Every interceptor is tested over real gRPC (labkit.Serve, bufconn and
// loopback) around a probe service that records what its handlers saw:
// the identity and request id in the context, the peer, the deadline, the
// incoming metadata. Time comes from a fake clock that the probe advances,
// so durations are exact and no test sleeps.
package interceptorstest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	notev1 "github.com/grpclabs/labs/ch02-grpc-core/gen/interceptors/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch02-grpc-core/interceptors"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "UnaryLogging"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "StreamLogging"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "Auth.Unary / Auth.Stream"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "Metrics.Unary / Metrics.Stream / Metrics.Snapshot"}
	step5 = labkit.Step{Lab: lab, N: 5, What: "Metrics.WriteText"}
	step6 = labkit.Step{Lab: lab, N: 6, What: "UnaryRecovery / StreamRecovery"}
	step7 = labkit.Step{Lab: lab, N: 7, What: "the client interceptors"}
	step8 = labkit.Step{Lab: lab, N: 8, What: "ChainUnary / ChainStream"}
	step9 = labkit.Step{Lab: lab, N: 9, What: "ServerOptions"}
)

// The service's full method names.
const (
	mGet    = notev1.NoteService_GetNote_FullMethodName
	mDelete = notev1.NoteService_DeleteNote_FullMethodName
	mList   = notev1.NoteService_ListNotes_FullMethodName
)

// AuthAPI is what the lab's *Auth offers.
type AuthAPI interface {
	Unary() grpc.UnaryServerInterceptor
	Stream() grpc.StreamServerInterceptor
}

// MetricsAPI is what the lab's *Metrics offers.
type MetricsAPI interface {
	Unary() grpc.UnaryServerInterceptor
	Stream() grpc.StreamServerInterceptor
	Snapshot() shared.Snapshot
	WriteText(w io.Writer) error
	http.Handler
}

// Tokens and policy shared by the auth tests: two roles that the policy
// knows, and a guest role it mentions nowhere.
const (
	tokAdmin  = "tok-alice-7f3a9c"
	tokReader = "tok-bob-1e8d44"
	tokGuest  = "tok-eve-000000"
)

func tokens() map[string]shared.Identity {
	return map[string]shared.Identity{
		tokAdmin:  {Subject: "alice", Role: "admin"},
		tokReader: {Subject: "bob", Role: "reader"},
		tokGuest:  {Subject: "eve", Role: "guest"},
	}
}

func policy() map[string][]string {
	return map[string][]string{
		mGet:    {"reader", "admin"},
		mList:   {"reader", "admin"},
		mDelete: {"admin"},
	}
}

// fakeClock is a clock the probe advances by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// seen is what one handler invocation observed.
type seen struct {
	method      string
	identity    shared.Identity
	hasIdentity bool
	requestID   string   // from the context (shared.RequestIDFrom)
	mdIDs       []string // x-request-id values in the incoming metadata
	peer        string
	deadline    time.Duration // time left, when hasDeadline
	hasDeadline bool
}

// probe implements NoteService and records every handler call.
//
// GetNote: id "panic" panics, "missing" is NotFound, "broken" is Internal,
// anything else returns a note. ListNotes sends limit notes (0: 3); limit
// -1 sends one and panics, limit > 100 is OutOfRange. Every handler first
// advances the fake clock by the probe's work.
type probe struct {
	notev1.UnimplementedNoteServiceServer
	clock  *fakeClock
	tracer *tracer // optional: the chain tests' trace

	mu    sync.Mutex
	work  time.Duration
	calls []seen
}

const panicValue = "secret-panic-value-3141"

func newProbe(c *fakeClock) *probe {
	if c == nil {
		c = newClock()
	}
	return &probe{clock: c}
}

func (p *probe) setWork(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.work = d
}

// record notes what the handler saw and does its "work".
func (p *probe) record(ctx context.Context, method string) seen {
	s := seen{method: method, requestID: shared.RequestIDFrom(ctx)}
	s.identity, s.hasIdentity = shared.IdentityFrom(ctx)
	md, _ := metadata.FromIncomingContext(ctx)
	s.mdIDs = md.Get(shared.RequestIDHeader)
	if pr, ok := peer.FromContext(ctx); ok && pr.Addr != nil {
		s.peer = pr.Addr.String()
	}
	if d, ok := ctx.Deadline(); ok {
		s.deadline, s.hasDeadline = time.Until(d), true
	}
	p.tracer.add(ctx, "handler")
	p.mu.Lock()
	p.calls = append(p.calls, s)
	work := p.work
	p.mu.Unlock()
	p.clock.Advance(work)
	return s
}

// takeCalls returns the calls recorded since the last take.
func (p *probe) takeCalls() []seen {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.calls
	p.calls = nil
	return c
}

func (p *probe) note(id string, s seen) *notev1.Note {
	return &notev1.Note{Id: id, Text: "text of " + id, SeenSubject: s.identity.Subject, SeenRequestId: s.requestID}
}

func (p *probe) GetNote(ctx context.Context, req *notev1.GetNoteRequest) (*notev1.GetNoteResponse, error) {
	s := p.record(ctx, "GetNote")
	switch req.GetId() {
	case "panic":
		panic(panicValue)
	case "missing":
		return nil, status.Errorf(codes.NotFound, "note %q not found", req.GetId())
	case "broken":
		return nil, status.Error(codes.Internal, "disk on fire")
	}
	return &notev1.GetNoteResponse{Note: p.note(req.GetId(), s)}, nil
}

func (p *probe) DeleteNote(ctx context.Context, _ *notev1.DeleteNoteRequest) (*notev1.DeleteNoteResponse, error) {
	p.record(ctx, "DeleteNote")
	return &notev1.DeleteNoteResponse{}, nil
}

func (p *probe) ListNotes(req *notev1.ListNotesRequest, ss grpc.ServerStreamingServer[notev1.ListNotesResponse]) error {
	s := p.record(ss.Context(), "ListNotes")
	n := int(req.GetLimit())
	switch {
	case n > 100:
		return status.Error(codes.OutOfRange, "limit above 100")
	case n == 0:
		n = 3
	case n < 0:
		if err := ss.Send(&notev1.ListNotesResponse{Note: p.note("n0", s)}); err != nil {
			return err
		}
		panic(panicValue)
	}
	for i := range n {
		if err := ss.Send(&notev1.ListNotesResponse{Note: p.note("n"+string(rune('0'+i%10)), s)}); err != nil {
			return err
		}
	}
	return nil
}

// serve starts p behind opts and returns a client for it.
func serve(t *testing.T, tr labkit.Transport, p *probe, opts ...grpc.ServerOption) notev1.NoteServiceClient {
	t.Helper()
	s := labkit.Serve(t, tr, func(g *grpc.Server) { notev1.RegisterNoteServiceServer(g, p) }, labkit.Options{Server: opts})
	return notev1.NewNoteServiceClient(s.Conn)
}

// withMD returns ctx with outgoing metadata pairs added.
func withMD(ctx context.Context, kv ...string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, kv...)
}

// bearer returns ctx sending "authorization: Bearer tok".
func bearer(ctx context.Context, tok string) context.Context {
	return withMD(ctx, "authorization", "Bearer "+tok)
}

// listAll reads a stream to its end: the notes, and the error that ended
// it (nil for a clean end).
func listAll(ctx context.Context, c notev1.NoteServiceClient, limit int32) ([]*notev1.Note, error) {
	stream, err := c.ListNotes(ctx, &notev1.ListNotesRequest{Limit: limit})
	if err != nil {
		return nil, err
	}
	var notes []*notev1.Note
	for {
		resp, err := stream.Recv()
		if err == io.EOF {
			return notes, nil
		}
		if err != nil {
			return notes, err
		}
		notes = append(notes, resp.GetNote())
	}
}

// logBuffer collects JSON log lines; the server writes from its own
// goroutines, so access is locked.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// record is one parsed log line.
type record map[string]any

func (r record) str(key string) string { s, _ := r[key].(string); return s }

// take parses and removes every line written so far. Interceptors log
// before the server answers, so after a call returns its lines are here.
func (b *logBuffer) take(t *testing.T) []record {
	t.Helper()
	b.mu.Lock()
	data := b.buf.String()
	b.buf.Reset()
	b.mu.Unlock()
	var recs []record
	for line := range strings.Lines(data) {
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("a log line is not JSON (%v): %q; log through the *slog.Logger you were given", err, line)
		}
		recs = append(recs, r)
	}
	return recs
}

// newLogger returns a JSON slog logger at debug level and its output.
func newLogger() (*slog.Logger, *logBuffer) {
	buf := &logBuffer{}
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// tracer records enter/exit events per call, keyed by the "trace-id"
// metadata each test call carries.
type tracer struct {
	mu     sync.Mutex
	traces map[string][]string
}

func newTracer() *tracer { return &tracer{traces: map[string][]string{}} }

func (tr *tracer) add(ctx context.Context, event string) {
	if tr == nil {
		return
	}
	md, _ := metadata.FromIncomingContext(ctx)
	ids := md.Get("trace-id")
	if len(ids) == 0 {
		return
	}
	event += "[" + strings.Join(tagsFrom(ctx), " ") + "]"
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.traces[ids[0]] = append(tr.traces[ids[0]], event)
}

func (tr *tracer) get(id string) []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.traces[id]
}

type tagsKey struct{}

// tagsFrom lists the probe interceptors whose context value reached ctx.
func tagsFrom(ctx context.Context) []string {
	tags, _ := ctx.Value(tagsKey{}).([]string)
	return tags
}

func withTag(ctx context.Context, name string) context.Context {
	tags := append(append([]string(nil), tagsFrom(ctx)...), name)
	return context.WithValue(ctx, tagsKey{}, tags)
}
