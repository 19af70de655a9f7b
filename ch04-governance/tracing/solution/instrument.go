package solution

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch04-governance/shop"
)

// propagator carries both W3C headers: traceparent (and tracestate) for
// the trace, baggage for the values the request carries along (user.id).
// OpenTelemetry's global default propagates nothing, so say it.
var propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// scope names the instrumentation that made the lab's own spans.
const scope = "github.com/grpclabs/labs/ch04-governance/tracing"

// ServerOptions instruments a gRPC server with tp: a server span per call,
// a child of the caller's span from the incoming headers, with a status
// from the gRPC code.
func ServerOptions(tp trace.TracerProvider) []grpc.ServerOption {
	return []grpc.ServerOption{grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(tp), otelgrpc.WithPropagators(propagator)))}
}

// DialOptions instruments a gRPC client with tp: a client span per call, a
// child of the span in the call's context, whose ids (and the baggage)
// travel in the outgoing headers.
func DialOptions(tp trace.TracerProvider) []grpc.DialOption {
	return []grpc.DialOption{grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(tp), otelgrpc.WithPropagators(propagator)))}
}

// TraceDB wraps db so each statement is a client span named "UPDATE stock"
// with the database attributes, and the caller's user.id from the baggage.
// Running out of stock is an answer, not a failure: only a real error
// (the database down, a timeout) marks the span as an error.
func TraceDB(tp trace.TracerProvider, db shop.DB) shop.DB {
	return tracedDB{tracer: tp.Tracer(scope), db: db}
}

type tracedDB struct {
	tracer trace.Tracer
	db     shop.DB
}

func (d tracedDB) TakeStock(ctx context.Context, item string, n int) (int, error) {
	ctx, span := d.tracer.Start(ctx, "UPDATE stock", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		semconv.DBSystemNameKey.String("memdb"),
		semconv.DBOperationName("UPDATE"),
		semconv.DBCollectionName("stock"),
		attribute.String("shop.item", item),
	))
	defer span.End()
	if user := baggage.FromContext(ctx).Member("user.id").Value(); user != "" {
		span.SetAttributes(attribute.String("user.id", user))
	}
	left, err := d.db.TakeStock(ctx, item, n)
	if err != nil && !errors.Is(err, shop.ErrOutOfStock) {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	return left, err
}

// TraceHTTP wraps the gateway's handler in a server span named after the
// method and path ("POST /checkout"), a child of the caller's traceparent
// when the request has one, with the request's baggage in its context.
// A 5xx answer marks the span as an error; a 4xx is the client's problem.
func TraceHTTP(tp trace.TracerProvider, h http.Handler) http.Handler {
	tracer := tp.Tracer(scope)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, r.Method+" "+r.URL.Path, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
			semconv.HTTPRequestMethodKey.String(r.Method),
			semconv.URLPath(r.URL.Path),
		))
		defer span.End()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r.WithContext(ctx))
		span.SetAttributes(semconv.HTTPResponseStatusCode(sw.code))
		if sw.code >= 500 {
			span.SetStatus(codes.Error, fmt.Sprintf("HTTP %d", sw.code))
		}
	})
}

// statusWriter remembers the status code the handler wrote.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}
