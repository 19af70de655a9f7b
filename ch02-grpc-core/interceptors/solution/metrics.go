package solution

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
)

// Metrics counts calls and records their latency in a histogram, per full
// method and status code: the two numbers every gRPC dashboard starts from
// (rate of errors, latency percentiles).
type Metrics struct {
	bounds []float64
	now    shared.Clock

	mu     sync.Mutex
	series map[seriesKey]*series
}

type seriesKey struct {
	method string
	code   codes.Code
}

type series struct {
	count   uint64
	sum     float64
	buckets []uint64 // cumulative: buckets[i] counts calls ≤ bounds[i]
}

// NewMetrics returns empty metrics with the given histogram bounds in
// seconds (nil: shared.DefaultBuckets). now is the clock durations are
// measured with (nil: time.Now).
func NewMetrics(bounds []float64, now shared.Clock) *Metrics {
	if len(bounds) == 0 {
		bounds = shared.DefaultBuckets
	}
	// Ascending, no duplicates, no +Inf or NaN: +Inf is always implied.
	b := slices.DeleteFunc(slices.Clone(bounds), func(f float64) bool { return math.IsNaN(f) || math.IsInf(f, +1) })
	slices.Sort(b)
	return &Metrics{bounds: slices.Compact(b), now: now, series: map[seriesKey]*series{}}
}

// Unary measures unary calls.
func (m *Metrics) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := m.now.Now()
		resp, err := handler(ctx, req)
		m.observe(info.FullMethod, err, m.now.Now().Sub(start))
		return resp, err
	}
}

// Stream measures streams, from start to the handler's return.
func (m *Metrics) Stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := m.now.Now()
		err := handler(srv, ss)
		m.observe(info.FullMethod, err, m.now.Now().Sub(start))
		return err
	}
}

func (m *Metrics) observe(method string, err error, d time.Duration) {
	code, _ := codeOf(err)
	secs := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.series[seriesKey{method, code}]
	if s == nil {
		s = &series{buckets: make([]uint64, len(m.bounds))}
		m.series[seriesKey{method, code}] = s
	}
	s.count++
	s.sum += secs
	for i, b := range m.bounds {
		if secs <= b { // Prometheus buckets are "less than or equal"
			s.buckets[i]++
		}
	}
}

// Snapshot copies the current values, sorted by method and code.
func (m *Metrics) Snapshot() shared.Snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	snap := shared.Snapshot{Bounds: slices.Clone(m.bounds)}
	for k, s := range m.series {
		snap.Series = append(snap.Series, shared.Series{
			Method: k.method, Code: k.code, Count: s.count, Sum: s.sum,
			Buckets: slices.Clone(s.buckets),
		})
	}
	slices.SortFunc(snap.Series, func(a, b shared.Series) int {
		if c := strings.Compare(a.Method, b.Method); c != 0 {
			return c
		}
		return int(a.Code) - int(b.Code)
	})
	return snap
}

// The metric names and labels follow go-grpc-middleware's Prometheus
// provider, so existing dashboards and alerts read them unchanged.
const (
	handledName  = "grpc_server_handled_total"
	handlingName = "grpc_server_handling_seconds"
)

// WriteText writes the metrics in the Prometheus text exposition format
// (version 0.0.4): per family a # HELP and a # TYPE line, then its samples;
// a histogram is cumulative _bucket samples ending with le="+Inf", then
// _sum and _count.
func (m *Metrics) WriteText(w io.Writer) error {
	snap := m.Snapshot() // copy first: never hold the lock while writing to a slow client
	var b strings.Builder

	fmt.Fprintf(&b, "# HELP %s Total number of RPCs completed on the server, by method and status code.\n", handledName)
	fmt.Fprintf(&b, "# TYPE %s counter\n", handledName)
	for _, s := range snap.Series {
		fmt.Fprintf(&b, "%s{%s} %d\n", handledName, labels(s), s.Count)
	}

	fmt.Fprintf(&b, "# HELP %s Time the server took to handle RPCs, by method and status code.\n", handlingName)
	fmt.Fprintf(&b, "# TYPE %s histogram\n", handlingName)
	for _, s := range snap.Series {
		l := labels(s)
		for i, bound := range snap.Bounds {
			fmt.Fprintf(&b, "%s_bucket{%s,le=\"%s\"} %d\n", handlingName, l, formatFloat(bound), s.Buckets[i])
		}
		fmt.Fprintf(&b, "%s_bucket{%s,le=\"+Inf\"} %d\n", handlingName, l, s.Count)
		fmt.Fprintf(&b, "%s_sum{%s} %s\n", handlingName, l, formatFloat(s.Sum))
		fmt.Fprintf(&b, "%s_count{%s} %d\n", handlingName, l, s.Count)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ServeHTTP serves WriteText, so a Metrics can be mounted at /metrics.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_ = m.WriteText(w) // the status line is gone already; nothing to report to
}

// labels renders the series' label pairs, escaped as the format requires.
func labels(s shared.Series) string {
	svc, method := splitMethod(s.Method)
	return fmt.Sprintf(`grpc_service="%s",grpc_method="%s",grpc_code="%s"`,
		escape(svc), escape(method), escape(s.Code.String()))
}

// splitMethod turns "/pkg.Service/Method" into "pkg.Service", "Method".
func splitMethod(full string) (service, method string) {
	service, method, ok := strings.Cut(strings.TrimPrefix(full, "/"), "/")
	if !ok {
		return "unknown", full
	}
	return service, method
}

// escape applies the text format's three escapes for label values.
var escape = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace

func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, +1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
