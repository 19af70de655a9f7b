// Package handspan holds what the tracing lab's hand-made tracing shares
// between the exercise, the solution and the suite: a span context (the
// W3C trace-context triple), a finished span, a recorder, and the context
// key that carries the current span through a process. It is scaffolding;
// the lab's work (parsing the header, the interceptors) is in exercise/.
// After step 2 the lab switches to the real OpenTelemetry SDK.
package handspan

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"

	"google.golang.org/grpc/codes"
)

// Header is the W3C trace-context header, as a gRPC metadata key.
const Header = "traceparent"

// FlagSampled is the trace-flags bit that says the caller records this trace.
const FlagSampled byte = 0x01

// SpanContext identifies one span of one trace: what travels in traceparent.
type SpanContext struct {
	TraceID [16]byte
	SpanID  [8]byte
	Flags   byte
}

// IsValid reports whether both ids are non-zero, as the spec requires.
func (sc SpanContext) IsValid() bool {
	return sc.TraceID != [16]byte{} && sc.SpanID != [8]byte{}
}

// Sampled reports whether the sampled flag is set.
func (sc SpanContext) Sampled() bool { return sc.Flags&FlagSampled != 0 }

func (sc SpanContext) String() string {
	return hex.EncodeToString(sc.TraceID[:]) + "/" + hex.EncodeToString(sc.SpanID[:])
}

// NewTraceID returns a random, non-zero trace id.
func NewTraceID() (id [16]byte) {
	for id == ([16]byte{}) {
		rand.Read(id[:])
	}
	return id
}

// NewSpanID returns a random, non-zero span id.
func NewSpanID() (id [8]byte) {
	for id == ([8]byte{}) {
		rand.Read(id[:])
	}
	return id
}

// Kind says which side of a call a span is.
type Kind string

const (
	Client Kind = "client"
	Server Kind = "server"
)

// Span is a finished span.
type Span struct {
	Service string      // who recorded it
	Name    string      // the full gRPC method
	Kind    Kind        // Client or Server
	Context SpanContext // its own ids
	Parent  SpanContext // the span it is a child of; zero for a root
	Code    codes.Code  // how the call ended
}

// Recorder collects finished spans; it is safe for concurrent use.
type Recorder struct {
	mu    sync.Mutex
	spans []Span
}

// Record adds a finished span.
func (r *Recorder) Record(s Span) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.spans = append(r.spans, s)
}

// Spans returns the spans recorded so far, in the order they finished.
func (r *Recorder) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Span(nil), r.spans...)
}

type spanKey struct{}

// ContextWithSpan returns ctx carrying sc as the current span.
func ContextWithSpan(ctx context.Context, sc SpanContext) context.Context {
	return context.WithValue(ctx, spanKey{}, sc)
}

// FromContext returns the current span, if ctx carries one.
func FromContext(ctx context.Context) (SpanContext, bool) {
	sc, ok := ctx.Value(spanKey{}).(SpanContext)
	return sc, ok
}
