package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	mexercise "github.com/grpclabs/labs/ch04-governance/metrics/exercise"
	msolution "github.com/grpclabs/labs/ch04-governance/metrics/solution"
	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	"github.com/grpclabs/labs/ch04-governance/shop"
	texercise "github.com/grpclabs/labs/ch04-governance/tracing/exercise"
	tsolution "github.com/grpclabs/labs/ch04-governance/tracing/solution"
)

// impl is the tracing and metrics labs' code, from the solution or the
// exercise (-impl).
type impl struct {
	newProvider   func(service string, ratio float64, processors ...sdktrace.SpanProcessor) (*sdktrace.TracerProvider, error)
	newExporter   func(ctx context.Context, stdout io.Writer) (sdktrace.SpanExporter, error)
	serverOptions func(trace.TracerProvider) []grpc.ServerOption
	dialOptions   func(trace.TracerProvider) []grpc.DialOption
	traceDB       func(trace.TracerProvider, shop.DB) shop.DB
	traceHTTP     func(trace.TracerProvider, http.Handler) http.Handler

	newServerMetrics func(prometheus.Registerer) (serverMetrics, error)
	newClientMetrics func(prometheus.Registerer) (clientMetrics, error)
	newGovernance    func(prometheus.Registerer) (governance, error)
	metricsHandler   func(prometheus.Gatherer) http.Handler
	traceHandler     func(slog.Handler) slog.Handler
}

type (
	serverMetrics interface {
		Unary() grpc.UnaryServerInterceptor
		Stream() grpc.StreamServerInterceptor
	}
	clientMetrics interface {
		Unary() grpc.UnaryClientInterceptor
		Stream() grpc.StreamClientInterceptor
	}
	governance interface {
		OnStateChange(name string, from, to policy.State)
		Limited() grpc.UnaryServerInterceptor
	}
)

var solutionImpl = impl{
	newProvider: tsolution.NewProvider, newExporter: tsolution.NewExporter,
	serverOptions: tsolution.ServerOptions, dialOptions: tsolution.DialOptions,
	traceDB: tsolution.TraceDB, traceHTTP: tsolution.TraceHTTP,
	newServerMetrics: func(r prometheus.Registerer) (serverMetrics, error) { return msolution.NewServerMetrics(r) },
	newClientMetrics: func(r prometheus.Registerer) (clientMetrics, error) { return msolution.NewClientMetrics(r) },
	newGovernance:    func(r prometheus.Registerer) (governance, error) { return msolution.NewGovernanceMetrics(r) },
	metricsHandler:   msolution.Handler,
	traceHandler:     func(h slog.Handler) slog.Handler { return msolution.NewTraceHandler(h) },
}

var exerciseImpl = impl{
	newProvider: texercise.NewProvider, newExporter: texercise.NewExporter,
	serverOptions: texercise.ServerOptions, dialOptions: texercise.DialOptions,
	traceDB: texercise.TraceDB, traceHTTP: texercise.TraceHTTP,
	newServerMetrics: func(r prometheus.Registerer) (serverMetrics, error) { return mexercise.NewServerMetrics(r) },
	newClientMetrics: func(r prometheus.Registerer) (clientMetrics, error) { return mexercise.NewClientMetrics(r) },
	newGovernance:    func(r prometheus.Registerer) (governance, error) { return mexercise.NewGovernanceMetrics(r) },
	metricsHandler:   mexercise.Handler,
	traceHandler:     func(h slog.Handler) slog.Handler { return mexercise.NewTraceHandler(h) },
}
