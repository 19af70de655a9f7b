package tracetree

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// FromOTLP converts the spans of one export request. Spans it cannot use
// (bad ids, ending before they start) are left out and described in the
// returned errors.
func FromOTLP(req *coltracepb.ExportTraceServiceRequest) (spans []Span, rejected []string) {
	for _, rs := range req.GetResourceSpans() {
		service := ""
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				s := Span{
					TraceID: hex.EncodeToString(sp.GetTraceId()),
					SpanID:  hex.EncodeToString(sp.GetSpanId()),
					Service: service,
					Name:    sp.GetName(),
					Kind:    otlpKinds[sp.GetKind()],
					Start:   time.Unix(0, int64(sp.GetStartTimeUnixNano())),
					End:     time.Unix(0, int64(sp.GetEndTimeUnixNano())),
					Message: sp.GetStatus().GetMessage(),
				}
				if p := sp.GetParentSpanId(); len(p) > 0 {
					s.ParentID = hex.EncodeToString(p)
				}
				switch sp.GetStatus().GetCode() {
				case tracepb.Status_STATUS_CODE_ERROR:
					s.Status = "Error"
				case tracepb.Status_STATUS_CODE_OK:
					s.Status = "Ok"
				}
				if err := s.check(); err != nil {
					rejected = append(rejected, fmt.Sprintf("%q: %v", s.Name, err))
					continue
				}
				spans = append(spans, s)
			}
		}
	}
	return spans, rejected
}

var otlpKinds = map[tracepb.Span_SpanKind]string{
	tracepb.Span_SPAN_KIND_INTERNAL: "internal", tracepb.Span_SPAN_KIND_SERVER: "server",
	tracepb.Span_SPAN_KIND_CLIENT: "client", tracepb.Span_SPAN_KIND_PRODUCER: "producer",
	tracepb.Span_SPAN_KIND_CONSUMER: "consumer",
}

// Receiver is an OTLP/gRPC trace receiver, the TraceService a collector
// serves. There is no "trace finished" message in OTLP: each service
// exports its own spans, in batches, when it likes. So a trace is handed to
// done once it has a root, every span's parent has arrived, and no new span
// came for a quiet period; or, incomplete, once maxWait has passed since
// its first span. Flush hands over everything still waiting.
type Receiver struct {
	coltracepb.UnimplementedTraceServiceServer
	quiet, maxWait time.Duration
	done           func(*Trace)

	mu      sync.Mutex
	pending map[string]*pendingTrace
	emit    sync.Mutex // one trace at a time to done
}

type pendingTrace struct {
	spans []Span
	first time.Time
	timer *time.Timer
}

// NewReceiver returns a receiver that hands finished traces to done.
func NewReceiver(quiet, maxWait time.Duration, done func(*Trace)) *Receiver {
	return &Receiver{quiet: quiet, maxWait: maxWait, done: done, pending: map[string]*pendingTrace{}}
}

// Export receives one batch of spans.
func (r *Receiver) Export(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	spans, rejected := FromOTLP(req)
	r.mu.Lock()
	for _, s := range spans {
		p, ok := r.pending[s.TraceID]
		if !ok {
			p = &pendingTrace{first: time.Now()}
			id := s.TraceID
			p.timer = time.AfterFunc(r.quiet, func() { r.fire(id) })
			r.pending[id] = p
		} else {
			p.timer.Reset(r.quiet)
		}
		p.spans = append(p.spans, s)
	}
	r.mu.Unlock()
	resp := &coltracepb.ExportTraceServiceResponse{}
	if len(rejected) > 0 {
		resp.PartialSuccess = &coltracepb.ExportTracePartialSuccess{
			RejectedSpans: int64(len(rejected)),
			ErrorMessage:  strings.Join(rejected, "; "),
		}
	}
	return resp, nil
}

// fire hands trace id over if it is ready, or waits another quiet period.
func (r *Receiver) fire(id string) {
	r.mu.Lock()
	p, ok := r.pending[id]
	if !ok {
		r.mu.Unlock()
		return
	}
	t := build(id, p.spans)
	if !t.Complete() && time.Since(p.first) < r.maxWait {
		p.timer.Reset(r.quiet)
		r.mu.Unlock()
		return
	}
	delete(r.pending, id)
	r.mu.Unlock()
	r.emit.Lock()
	defer r.emit.Unlock()
	r.done(t)
}

// Flush hands over every trace still waiting, complete or not, in the
// order they started.
func (r *Receiver) Flush() {
	r.mu.Lock()
	var traces []*Trace
	for id, p := range r.pending {
		p.timer.Stop()
		traces = append(traces, build(id, p.spans))
	}
	clear(r.pending)
	r.mu.Unlock()
	slices.SortFunc(traces, func(a, b *Trace) int { return a.Start.Compare(b.Start) })
	r.emit.Lock()
	defer r.emit.Unlock()
	for _, t := range traces {
		r.done(t)
	}
}

// Collected keeps every trace handed to its Add, for tests and tools that
// look at the traces afterwards: NewReceiver(quiet, maxWait, c.Add).
type Collected struct {
	mu     sync.Mutex
	traces []*Trace
}

// Add keeps t.
func (c *Collected) Add(t *Trace) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.traces = append(c.traces, t)
}

// Traces returns the traces kept so far.
func (c *Collected) Traces() []*Trace {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.traces)
}
