// Package tracingtest is the tracing lab's suite. The exercise and the
// solution both run it through their one-screen *_test.go files.
//
// Steps 1 and 2 are tracing by hand: the W3C traceparent header and the
// interceptors that carry it, cross-checked against OpenTelemetry's own
// propagator in both directions. Steps 3 to 5 use the real OpenTelemetry
// SDK: a tracetest.SpanRecorder collects what the three services of the
// shop (gateway, orders, inventory) record, over bufconn inside a
// testing/synctest bubble (synctest.Wait lets the last server span end
// before the assertions) and once over loopback TCP, where the suite polls
// the recorder with a deadline instead. Export goes to cmd/tracetree's
// receiver, a real OTLP/gRPC endpoint.
package tracingtest

import (
	"context"
	"io"
	"net/http"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch04-governance/shop"
	"github.com/grpclabs/labs/ch04-governance/tracing/handspan"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch04-governance/tracing"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "Parse and Format"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "the hand-made interceptors"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "NewProvider"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "instrumenting the shop"}
	step5 = labkit.Step{Lab: lab, N: 5, What: "NewExporter"}
)

// Lab is the lab's API.
type Lab struct {
	Parse             func(header string) (handspan.SpanContext, error)
	Format            func(handspan.SpanContext) (string, error)
	ClientInterceptor func(rec *handspan.Recorder, service string) grpc.UnaryClientInterceptor
	ServerInterceptor func(rec *handspan.Recorder, service string) grpc.UnaryServerInterceptor
	NewProvider       func(service string, ratio float64, processors ...sdktrace.SpanProcessor) (*sdktrace.TracerProvider, error)
	ServerOptions     func(tp trace.TracerProvider) []grpc.ServerOption
	DialOptions       func(tp trace.TracerProvider) []grpc.DialOption
	TraceDB           func(tp trace.TracerProvider, db shop.DB) shop.DB
	TraceHTTP         func(tp trace.TracerProvider, h http.Handler) http.Handler
	NewExporter       func(ctx context.Context, stdout io.Writer) (sdktrace.SpanExporter, error)
}
