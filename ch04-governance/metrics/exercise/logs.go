package exercise

import (
	"context"
	"log/slog"
)

// TraceHandler is a slog.Handler that adds trace_id and span_id to every
// record logged with a context that carries a valid span (InfoContext and
// friends), and passes other records on as they are.
type TraceHandler struct{ next slog.Handler }

// NewTraceHandler wraps next.
func NewTraceHandler(next slog.Handler) *TraceHandler { return &TraceHandler{next: next} }

// Enabled implements slog.Handler.
func (h *TraceHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle adds the span's ids (trace.SpanContextFromContext) and passes the
// record on. Clone the record before adding to it: it may be shared.
//
// Step 5.
func (h *TraceHandler) Handle(ctx context.Context, r slog.Record) error {
	return nil // TODO: implement TraceHandler.Handle (step 5): nothing is logged yet
}

// WithAttrs must keep the wrapper, or logger.With(...) loses the ids.
//
// Step 5.
func (h *TraceHandler) WithAttrs(attrs []slog.Attr) slog.Handler { return h.next.WithAttrs(attrs) }

// WithGroup must keep the wrapper too.
//
// Step 5.
func (h *TraceHandler) WithGroup(name string) slog.Handler { return h.next.WithGroup(name) }
