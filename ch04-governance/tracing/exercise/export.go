package exercise

import (
	"context"
	"io"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/grpclabs/labs/scripts/labkit"
)

// NewExporter chooses where finished spans go from the standard
// environment variables:
//
//   - OTEL_TRACES_EXPORTER=otlp, or unset with OTEL_EXPORTER_OTLP_ENDPOINT
//     (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) set: OTLP over gRPC
//     (otlptracegrpc.New reads the endpoint, OTEL_EXPORTER_OTLP_INSECURE
//     and the rest itself);
//   - OTEL_TRACES_EXPORTER=console, or unset with no endpoint: one JSON
//     object per span on stdout (stdouttrace with WithWriter(stdout));
//   - OTEL_TRACES_EXPORTER=none: an exporter that drops spans.
//
// Anything else is an error that names the value and what is supported.
//
// Step 5.
func NewExporter(ctx context.Context, stdout io.Writer) (sdktrace.SpanExporter, error) {
	return nil, labkit.TODO("NewExporter")
}
