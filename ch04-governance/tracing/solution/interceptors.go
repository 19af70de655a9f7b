package solution

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch04-governance/tracing/handspan"
)

// UnaryClientInterceptor makes a client span for each call: a child of the
// current span in ctx (or the root of a new, sampled trace), sent to the
// server as the traceparent header, and recorded in rec when the call ends
// if the trace is sampled.
func UnaryClientInterceptor(rec *handspan.Recorder, service string) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		parent, ok := handspan.FromContext(ctx)
		span := handspan.SpanContext{TraceID: parent.TraceID, SpanID: handspan.NewSpanID(), Flags: parent.Flags}
		if !ok || !parent.IsValid() {
			parent = handspan.SpanContext{}
			span.TraceID, span.Flags = handspan.NewTraceID(), handspan.FlagSampled
		}
		header, err := Format(span)
		if err != nil {
			return err
		}
		// Set, not append: a header forwarded from elsewhere must not
		// travel next to ours.
		md, _ := metadata.FromOutgoingContext(ctx)
		md = md.Copy()
		md.Set(handspan.Header, header)
		err = invoker(metadata.NewOutgoingContext(ctx, md), method, req, reply, cc, opts...)
		if span.Sampled() {
			rec.Record(handspan.Span{Service: service, Name: method, Kind: handspan.Client, Context: span, Parent: parent, Code: status.Code(err)})
		}
		return err
	}
}

// UnaryServerInterceptor makes a server span for each call: a child of the
// caller's span when the call carries exactly one valid traceparent, else
// the root of a new, sampled trace (the header is untrusted input). The
// handler's context carries it, so calls the handler makes continue the
// trace; it is recorded in rec when the handler returns, if sampled.
func UnaryServerInterceptor(rec *handspan.Recorder, service string) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		var parent handspan.SpanContext
		if v := metadata.ValueFromIncomingContext(ctx, handspan.Header); len(v) == 1 {
			if sc, err := Parse(v[0]); err == nil {
				parent = sc
			}
		}
		span := handspan.SpanContext{TraceID: parent.TraceID, SpanID: handspan.NewSpanID(), Flags: parent.Flags}
		if !parent.IsValid() {
			span.TraceID, span.Flags = handspan.NewTraceID(), handspan.FlagSampled
		}
		resp, err := handler(handspan.ContextWithSpan(ctx, span), req)
		if span.Sampled() {
			rec.Record(handspan.Span{Service: service, Name: info.FullMethod, Kind: handspan.Server, Context: span, Parent: parent, Code: status.Code(err)})
		}
		return resp, err
	}
}
