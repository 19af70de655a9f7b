// Package telemetry gives chapter 4's programs the tracing and metrics
// labs' code, the solution's or the learner's (-impl=exercise), as one
// table of functions: cmd/checkout and cmd/govern build their providers,
// stats handlers, Prometheus collectors and log handlers from it.
package telemetry

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"

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
	"github.com/grpclabs/labs/scripts/demo"
)

// Impl is the tracing and metrics labs' code from one package pair.
type Impl struct {
	NewProvider   func(service string, ratio float64, processors ...sdktrace.SpanProcessor) (*sdktrace.TracerProvider, error)
	NewExporter   func(ctx context.Context, stdout io.Writer) (sdktrace.SpanExporter, error)
	ServerOptions func(trace.TracerProvider) []grpc.ServerOption
	DialOptions   func(trace.TracerProvider) []grpc.DialOption
	TraceDB       func(trace.TracerProvider, shop.DB) shop.DB
	TraceHTTP     func(trace.TracerProvider, http.Handler) http.Handler

	NewServerMetrics func(prometheus.Registerer) (ServerMetrics, error)
	NewClientMetrics func(prometheus.Registerer) (ClientMetrics, error)
	NewGovernance    func(prometheus.Registerer) (Governance, error)
	MetricsHandler   func(prometheus.Gatherer) http.Handler
	TraceHandler     func(slog.Handler) slog.Handler
}

// The metrics lab's collectors, as the programs use them.
type (
	ServerMetrics interface {
		Unary() grpc.UnaryServerInterceptor
		Stream() grpc.StreamServerInterceptor
	}
	ClientMetrics interface {
		Unary() grpc.UnaryClientInterceptor
		Stream() grpc.StreamClientInterceptor
	}
	Governance interface {
		OnStateChange(name string, from, to policy.State)
		Limited() grpc.UnaryServerInterceptor
	}
)

var solution = Impl{
	NewProvider: tsolution.NewProvider, NewExporter: tsolution.NewExporter,
	ServerOptions: tsolution.ServerOptions, DialOptions: tsolution.DialOptions,
	TraceDB: tsolution.TraceDB, TraceHTTP: tsolution.TraceHTTP,
	NewServerMetrics: func(r prometheus.Registerer) (ServerMetrics, error) { return msolution.NewServerMetrics(r) },
	NewClientMetrics: func(r prometheus.Registerer) (ClientMetrics, error) { return msolution.NewClientMetrics(r) },
	NewGovernance:    func(r prometheus.Registerer) (Governance, error) { return msolution.NewGovernanceMetrics(r) },
	MetricsHandler:   msolution.Handler,
	TraceHandler:     func(h slog.Handler) slog.Handler { return msolution.NewTraceHandler(h) },
}

var exercise = Impl{
	NewProvider: texercise.NewProvider, NewExporter: texercise.NewExporter,
	ServerOptions: texercise.ServerOptions, DialOptions: texercise.DialOptions,
	TraceDB: texercise.TraceDB, TraceHTTP: texercise.TraceHTTP,
	NewServerMetrics: func(r prometheus.Registerer) (ServerMetrics, error) { return mexercise.NewServerMetrics(r) },
	NewClientMetrics: func(r prometheus.Registerer) (ClientMetrics, error) { return mexercise.NewClientMetrics(r) },
	NewGovernance:    func(r prometheus.Registerer) (Governance, error) { return mexercise.NewGovernanceMetrics(r) },
	MetricsHandler:   mexercise.Handler,
	TraceHandler:     func(h slog.Handler) slog.Handler { return mexercise.NewTraceHandler(h) },
}

// Pick returns the implementation -impl names.
func Pick(name string) (Impl, error) { return demo.Pick(name, solution, exercise) }

// OTLPConfigured reports whether the standard environment asks for OTLP
// export (an endpoint is set, or OTEL_TRACES_EXPORTER=otlp): a program
// whose stdout is for people exports spans only then.
func OTLPConfigured() bool {
	switch os.Getenv("OTEL_TRACES_EXPORTER") {
	case "otlp":
		return true
	case "":
		return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
	}
	return false
}
