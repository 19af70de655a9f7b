package solution

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// NewProvider returns a tracer provider for one service: its spans carry
// service.name (and whatever OTEL_RESOURCE_ATTRIBUTES adds), a new trace is
// sampled with probability ratio, a span with a parent follows the
// parent's decision, and finished spans go to the processors (a batcher in
// front of an exporter in a program, a tracetest.SpanRecorder in a test).
//
// One provider per service, not one per process: a process that plays
// several services (a demo, a test) gives each its own, so a trace viewer
// shows the services it crossed.
func NewProvider(service string, ratio float64, processors ...sdktrace.SpanProcessor) (*sdktrace.TracerProvider, error) {
	if ratio < 0 || ratio > 1 {
		return nil, fmt.Errorf("sampling ratio %v must be in [0, 1]", ratio)
	}
	// Later detectors win: the environment (OTEL_RESOURCE_ATTRIBUTES,
	// OTEL_SERVICE_NAME) is read each time, then the service name given
	// here overrides it. (resource.Default() reads the environment only
	// once per process.)
	res, err := resource.New(context.Background(),
		resource.WithTelemetrySDK(), resource.WithFromEnv(), resource.WithAttributes(semconv.ServiceName(service)))
	if err != nil {
		return nil, err
	}
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
	}
	for _, p := range processors {
		opts = append(opts, sdktrace.WithSpanProcessor(p))
	}
	return sdktrace.NewTracerProvider(opts...), nil
}
