package solution

import (
	"context"
	"fmt"
	"io"
	"os"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// NewExporter chooses where finished spans go from the standard
// environment variables, so the same program talks to Jaeger, Tempo, a
// collector or cmd/tracetree without a code change:
//
//   - OTEL_TRACES_EXPORTER=otlp, or unset with OTEL_EXPORTER_OTLP_ENDPOINT
//     (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) set: OTLP over gRPC. The
//     exporter itself reads the endpoint, OTEL_EXPORTER_OTLP_INSECURE,
//     the headers and the timeout.
//   - OTEL_TRACES_EXPORTER=console, or unset with no endpoint: one JSON
//     object per span on stdout (what cmd/tracetree -file reads).
//   - OTEL_TRACES_EXPORTER=none: spans are dropped.
//
// Anything else is an error that says what is supported.
func NewExporter(ctx context.Context, stdout io.Writer) (sdktrace.SpanExporter, error) {
	kind := os.Getenv("OTEL_TRACES_EXPORTER")
	if kind == "" {
		kind = "console"
		if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" {
			kind = "otlp"
		}
	}
	switch kind {
	case "otlp":
		return otlptracegrpc.New(ctx)
	case "console":
		return stdouttrace.New(stdouttrace.WithWriter(stdout))
	case "none":
		return discard{}, nil
	}
	return nil, fmt.Errorf("OTEL_TRACES_EXPORTER=%q is not supported here: use otlp, console or none", kind)
}

type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }
