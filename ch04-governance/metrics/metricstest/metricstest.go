// Package metricstest is the metrics lab's suite. The exercise and the
// solution both run it through their one-screen *_test.go files.
//
// The lab's gRPC metrics are cross-checked against go-grpc-middleware's
// Prometheus provider (the names Grafana's gRPC dashboards read): both
// interceptors watch the same calls and must produce the same series with
// the same counts. Exemplars and trace-aware logs run on the shop from the
// tracing lab, instrumented with that lab's solution, so a trace id can be
// followed from a span to a metric sample to a log line. A real Prometheus
// scraping these metrics is cmd/checkout's test.
package metricstest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc"

	ordersv1 "github.com/grpclabs/labs/ch04-governance/gen/orders/v1"
	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	"github.com/grpclabs/labs/ch04-governance/shop"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch04-governance/metrics"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "ServerMetrics"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "ClientMetrics"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "exemplars"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "GovernanceMetrics"}
	step5 = labkit.Step{Lab: lab, N: 5, What: "TraceHandler"}
)

// The lab's types, as the suite uses them.
type (
	ServerMetrics interface {
		Unary() grpc.UnaryServerInterceptor
		Stream() grpc.StreamServerInterceptor
	}
	ClientMetrics interface {
		Unary() grpc.UnaryClientInterceptor
		Stream() grpc.StreamClientInterceptor
	}
	GovernanceMetrics interface {
		OnStateChange(name string, from, to policy.State)
		Limited() grpc.UnaryServerInterceptor
	}
)

// Lab is the lab's API.
type Lab struct {
	NewServerMetrics     func(reg prometheus.Registerer) (ServerMetrics, error)
	NewClientMetrics     func(reg prometheus.Registerer) (ClientMetrics, error)
	Exemplar             func(ctx context.Context) prometheus.Labels
	Handler              func(reg prometheus.Gatherer) http.Handler
	NewGovernanceMetrics func(reg prometheus.Registerer) (GovernanceMetrics, error)
	NewTraceHandler      func(next slog.Handler) slog.Handler
}

// stock is the shop's inventory with a WatchStock that streams, so the
// suite has a stream that succeeds and one that fails.
type stock struct {
	shop.Inventory
}

func newStock() *stock {
	return &stock{shop.Inventory{DB: shop.NewMemDB(map[string]int{"apple": 3})}}
}

func (s *stock) WatchStock(req *ordersv1.WatchStockRequest, stream ordersv1.InventoryService_WatchStockServer) error {
	if req.GetItem() != "apple" {
		return s.Inventory.WatchStock(req, stream) // Unimplemented
	}
	for i := range req.GetCount() {
		if err := stream.Send(&ordersv1.StockLevel{Item: "apple", Left: i}); err != nil {
			return err
		}
	}
	return nil
}

func registerStock(g *grpc.Server) { ordersv1.RegisterInventoryServiceServer(g, newStock()) }

// traffic makes the same calls for every metrics test: 3 reservations that
// succeed, 2 that find too little stock, one stream that ends well and
// one that fails.
func traffic(t *testing.T, ctx context.Context, c ordersv1.InventoryServiceClient, step labkit.Step) {
	t.Helper()
	for i := range 5 {
		_, err := c.Reserve(ctx, &ordersv1.ReserveRequest{Item: "apple", Quantity: 1})
		if step.Check(t, err); (i < 3) != (err == nil) {
			t.Fatalf("reservation %d: %v", i+1, err)
		}
	}
	for _, item := range []string{"apple", "pear"} {
		st, err := c.WatchStock(ctx, &ordersv1.WatchStockRequest{Item: item, Count: 2})
		step.Require(t, err)
		for {
			if _, err := st.Recv(); err != nil {
				step.Check(t, err)
				break
			}
		}
	}
}

// series renders one metric family as sorted "labels value" lines, leaving
// out exemplars and (for histograms) the observed values, which depend on
// timing: what remains is which series exist and how many samples each has.
func series(reg prometheus.Gatherer, name string) ([]string, error) {
	mfs, err := reg.Gather()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, lp := range m.GetLabel() {
				labels = append(labels, lp.GetName()+"="+lp.GetValue())
			}
			sort.Strings(labels)
			out = append(out, fmt.Sprintf("{%s} %s", strings.Join(labels, ","), value(m)))
		}
	}
	slices.Sort(out)
	return out, nil
}

func value(m *dto.Metric) string {
	switch {
	case m.GetCounter() != nil:
		return fmt.Sprint(m.GetCounter().GetValue())
	case m.GetGauge() != nil:
		return fmt.Sprint(m.GetGauge().GetValue())
	case m.GetHistogram() != nil:
		var bounds []string
		for _, b := range m.GetHistogram().GetBucket() {
			bounds = append(bounds, fmt.Sprint(b.GetUpperBound()))
		}
		return fmt.Sprintf("count=%d buckets=%s", m.GetHistogram().GetSampleCount(), strings.Join(bounds, ","))
	}
	return "?"
}

// sample is the value of the series of name with exactly these labels.
func sample(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, lp := range m.GetLabel() {
				if labels[lp.GetName()] != lp.GetValue() {
					continue next
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue(), true
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue(), true
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}
