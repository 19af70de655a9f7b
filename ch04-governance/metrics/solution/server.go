package solution

import (
	"context"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// The label names Grafana's gRPC dashboards and go-grpc-middleware's
// Prometheus provider use; keeping them lets those dashboards work as is.
var (
	callLabels = []string{"grpc_type", "grpc_service", "grpc_method"}
	codeLabels = []string{"grpc_type", "grpc_service", "grpc_method", "grpc_code"}
)

// callMetrics is one side's counters and histogram: started, handled (by
// code) and the handling time.
type callMetrics struct {
	started  *prometheus.CounterVec
	handled  *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newCallMetrics(reg prometheus.Registerer, side, who string) (*callMetrics, error) {
	m := &callMetrics{
		started: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grpc_" + side + "_started_total",
			Help: "Total number of RPCs started on the " + who + ".",
		}, callLabels),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grpc_" + side + "_handled_total",
			Help: "Total number of RPCs completed on the " + who + ", regardless of success or failure.",
		}, codeLabels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "grpc_" + side + "_handling_seconds",
			Help:    "Histogram of response latency (seconds) of RPCs on the " + who + ".",
			Buckets: prometheus.DefBuckets,
		}, callLabels),
	}
	for _, c := range []prometheus.Collector{m.started, m.handled, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// start counts a call and returns the function that counts its end.
func (m *callMetrics) start(ctx context.Context, typ, fullMethod string) func(error) {
	service, method := splitMethod(fullMethod)
	ex := Exemplar(ctx)
	m.started.WithLabelValues(typ, service, method).(prometheus.ExemplarAdder).AddWithExemplar(1, ex)
	begin := time.Now()
	return func(err error) {
		code := status.Code(err).String()
		m.handled.WithLabelValues(typ, service, method, code).(prometheus.ExemplarAdder).AddWithExemplar(1, ex)
		m.duration.WithLabelValues(typ, service, method).(prometheus.ExemplarObserver).ObserveWithExemplar(time.Since(begin).Seconds(), ex)
	}
}

// splitMethod turns "/orders.v1.OrderService/PlaceOrder" into its service
// and method.
func splitMethod(full string) (service, method string) {
	full = strings.TrimPrefix(full, "/")
	if i := strings.LastIndex(full, "/"); i >= 0 {
		return full[:i], full[i+1:]
	}
	return "unknown", full
}

// streamType is the grpc_type label of a stream.
func streamType(client, server bool) string {
	switch {
	case client && server:
		return "bidi_stream"
	case client:
		return "client_stream"
	case server:
		return "server_stream"
	}
	return "unary"
}

// ServerMetrics counts a server's calls: grpc_server_started_total,
// grpc_server_handled_total (by code) and the grpc_server_handling_seconds
// histogram, each with the caller's trace id as an exemplar.
type ServerMetrics struct{ m *callMetrics }

// NewServerMetrics registers the server's metrics with reg.
func NewServerMetrics(reg prometheus.Registerer) (*ServerMetrics, error) {
	m, err := newCallMetrics(reg, "server", "server")
	if err != nil {
		return nil, err
	}
	return &ServerMetrics{m}, nil
}

// Unary is the unary server interceptor.
func (s *ServerMetrics) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		done := s.m.start(ctx, "unary", info.FullMethod)
		resp, err := handler(ctx, req)
		done(err)
		return resp, err
	}
}

// Stream is the stream server interceptor.
func (s *ServerMetrics) Stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		done := s.m.start(ss.Context(), streamType(info.IsClientStream, info.IsServerStream), info.FullMethod)
		err := handler(srv, ss)
		done(err)
		return err
	}
}
