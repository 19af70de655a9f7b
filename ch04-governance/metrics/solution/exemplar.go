package solution

import (
	"context"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/trace"
)

// Exemplar returns the labels that tie a sample to its trace: trace_id of
// the sampled span in ctx, or nil when there is none (an exemplar pointing
// at a trace nobody recorded would be a dead link).
func Exemplar(ctx context.Context) prometheus.Labels {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() || !sc.IsSampled() {
		return nil
	}
	return prometheus.Labels{"trace_id": sc.TraceID().String()}
}

// Handler serves reg's metrics at /metrics. Exemplars exist only in the
// OpenMetrics format, which Prometheus asks for when its exemplar storage
// is on; plain text clients still get the classic format.
func Handler(reg prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
}
