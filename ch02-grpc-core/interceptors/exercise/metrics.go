package exercise

import (
	"context"
	"io"
	"math"
	"net/http"
	"slices"

	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Metrics counts calls and records their latency in a histogram, per full
// method and status code.
type Metrics struct {
	bounds []float64 // histogram upper bounds in seconds, ascending
	now    shared.Clock

	// Step 4: add what you need to keep one count, sum and set of buckets
	// per (method, code), safe for concurrent calls.
}

// NewMetrics returns empty metrics with the given histogram bounds in
// seconds (nil: shared.DefaultBuckets). now is the clock durations are
// measured with (nil: time.Now).
func NewMetrics(bounds []float64, now shared.Clock) *Metrics {
	if len(bounds) == 0 {
		bounds = shared.DefaultBuckets
	}
	b := slices.DeleteFunc(slices.Clone(bounds), func(f float64) bool { return math.IsNaN(f) || math.IsInf(f, +1) })
	slices.Sort(b)
	return &Metrics{bounds: slices.Compact(b), now: now}
}

// Unary measures unary calls.
//
// Step 4. Time the handler with m.now, take the code with codeOf, and
// record one observation for (info.FullMethod, code).
func (m *Metrics) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return nil, labkit.TODO("Metrics.Unary")
	}
}

// Stream measures streams, from start to the handler's return.
func (m *Metrics) Stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return labkit.TODO("Metrics.Stream")
	}
}

// Snapshot copies the current values, sorted by method and then code.
// Buckets are cumulative (Buckets[i] counts calls that took <= Bounds[i]).
//
// Step 4.
func (m *Metrics) Snapshot() shared.Snapshot {
	return shared.Snapshot{Bounds: slices.Clone(m.bounds)}
}

// WriteText writes the metrics in the Prometheus text exposition format:
// grpc_server_handled_total (counter) and grpc_server_handling_seconds
// (histogram), labels grpc_service, grpc_method, grpc_code.
//
// Step 5.
func (m *Metrics) WriteText(w io.Writer) error {
	return labkit.TODO("Metrics.WriteText")
}

// ServeHTTP serves WriteText, so a Metrics can be mounted at /metrics.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	if err := m.WriteText(w); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
