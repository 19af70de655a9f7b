package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grpclabs/labs/scripts/labkit"
)

// TestPrometheus: Debian's real Prometheus scrapes two shops on loopback
// and its HTTP API has the standard gRPC series, the breaker's state, the
// limiter's refusals, and exemplars carrying trace ids. Without a
// prometheus binary the test skips (apt-get install prometheus); in CI
// (LAB_REQUIRE_TOOLS=1) it fails instead.
func TestPrometheus(t *testing.T) {
	bin := labkit.LookTool(t, "prometheus", "prometheus")

	// One shop whose database is down (its breaker opens), one with a tight
	// rate limit (its limiter refuses); both keep serving.
	down := start(t, "-serve", "-requests=12", "-db-down")
	limited := start(t, "-serve", "-requests=10", "-rate=1", "-burst=2")
	targets := []string{down.addr(t, "metrics"), limited.addr(t, "metrics")}

	api := startPrometheus(t, bin, targets)

	deadline := time.Now().Add(2 * time.Minute)
	query := func(q string) []promSample {
		t.Helper()
		for {
			got := api.query(t, q)
			if len(got) > 0 || time.Now().After(deadline) {
				return got
			}
			time.Sleep(200 * time.Millisecond) // waiting for a scrape, polling the API
		}
	}
	for _, tc := range []struct {
		q, why string
	}{
		{`grpc_server_handled_total{grpc_type="unary",grpc_service="orders.v1.OrderService",grpc_method="PlaceOrder",grpc_code="OK"}`, "the limited shop placed orders"},
		{`grpc_server_handled_total{grpc_service="orders.v1.InventoryService",grpc_code="Unavailable"}`, "the broken database answered Unavailable"},
		{`grpc_server_started_total{grpc_service="orders.v1.InventoryService",grpc_method="Reserve"}`, ""},
		{`grpc_server_handling_seconds_bucket{grpc_service="orders.v1.OrderService",le="+Inf"}`, ""},
		{`grpc_client_handled_total{grpc_service="orders.v1.InventoryService",grpc_method="Reserve"}`, ""},
		{`grpc_client_handling_seconds_count{grpc_service="orders.v1.OrderService"}`, ""},
		{`grpc_client_circuit_breaker_state{state="open"} == 1`, "the breaker in front of the broken database is open"},
		{`grpc_client_circuit_breaker_transitions_total{from="closed",to="open"}`, ""},
		{`grpc_server_limited_total{reason="RATE_LIMITED"} > 0`, "the limiter refused calls"},
	} {
		got := query(tc.q)
		if len(got) == 0 {
			t.Errorf("Prometheus has no series for %s (%s); its log:\n%s", tc.q, tc.why, api.daemon.Tail(20))
			continue
		}
		for _, s := range got {
			for _, l := range []string{"job", "instance"} {
				if s.Metric[l] == "" {
					t.Errorf("%s: series %v has no %s label", tc.q, s.Metric, l)
				}
			}
		}
	}
	// Exactly the standard labels, nothing more.
	for _, s := range query(`grpc_server_handled_total`) {
		var names []string
		for k := range s.Metric {
			names = append(names, k)
		}
		if strings.Join(slices.Sorted(slices.Values(names)), ",") != "__name__,grpc_code,grpc_method,grpc_service,grpc_type,instance,job" {
			t.Errorf("grpc_server_handled_total has labels %v, want the standard grpc_type, grpc_service, grpc_method, grpc_code", names)
			break
		}
	}

	// Exemplars: each carries the trace id of the call it came from.
	traceID := regexp.MustCompile(`^[0-9a-f]{32}$`)
	var ex []promExemplars
	for {
		ex = api.exemplars(t, `grpc_server_handling_seconds_bucket`)
		if len(ex) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	found := 0
	for _, e := range ex {
		for _, x := range e.Exemplars {
			if !traceID.MatchString(x.Labels["trace_id"]) {
				t.Errorf("exemplar %v has no trace_id", x.Labels)
			}
			found++
		}
	}
	if found == 0 {
		t.Errorf("Prometheus stored no exemplars for grpc_server_handling_seconds (it scrapes OpenMetrics with --enable-feature=exemplar-storage)")
	}
}

// promAPI talks to one Prometheus's HTTP API.
type promAPI struct {
	base   string
	daemon *labkit.Daemon
}

type promSample struct {
	Metric map[string]string `json:"metric"`
}

type promExemplars struct {
	Exemplars []struct {
		Labels map[string]string `json:"labels"`
	} `json:"exemplars"`
}

func (p *promAPI) get(t *testing.T, path string, v url.Values, into any) {
	t.Helper()
	resp, err := http.Get(p.base + path + "?" + v.Encode())
	if err != nil {
		t.Fatalf("Prometheus API: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Status != "success" {
		t.Fatalf("Prometheus API %s %v: %v %s %s", path, v, err, body.Status, body.Error)
	}
	if err := json.Unmarshal(body.Data, into); err != nil {
		t.Fatalf("Prometheus API %s: %v", path, err)
	}
}

func (p *promAPI) query(t *testing.T, q string) []promSample {
	t.Helper()
	var data struct {
		Result []promSample `json:"result"`
	}
	p.get(t, "/api/v1/query", url.Values{"query": {q}}, &data)
	return data.Result
}

func (p *promAPI) exemplars(t *testing.T, q string) []promExemplars {
	t.Helper()
	var data []promExemplars
	now := time.Now()
	p.get(t, "/api/v1/query_exemplars", url.Values{"query": {q},
		"start": {fmt.Sprint(now.Add(-time.Hour).Unix())}, "end": {fmt.Sprint(now.Add(time.Minute).Unix())}}, &data)
	return data
}

// startPrometheus runs Prometheus scraping targets every 500ms, with its
// data in a temporary directory, on a free loopback port (labkit tries
// another when a process took it first).
func startPrometheus(t *testing.T, bin string, targets []string) *promAPI {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	quoted := make([]string, len(targets))
	for i, tg := range targets {
		quoted[i] = "'" + tg + "'"
	}
	yml := fmt.Sprintf("global:\n  scrape_interval: 500ms\n  evaluation_interval: 500ms\nscrape_configs:\n  - job_name: shop\n    static_configs:\n      - targets: [%s]\n", strings.Join(quoted, ", "))
	if err := os.WriteFile(cfg, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	d, ports := labkit.StartDaemonOnPorts(t, 1, func(ports []int) labkit.DaemonSpec {
		base := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
		return labkit.DaemonSpec{
			Path: bin,
			Args: []string{
				"--config.file=" + cfg,
				"--storage.tsdb.path=" + filepath.Join(t.TempDir(), "data"),
				"--web.listen-address=" + strings.TrimPrefix(base, "http://"),
				"--enable-feature=exemplar-storage",
				"--log.level=warn",
			},
			Ready: func(ctx context.Context) error {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/-/ready", nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return err
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					return fmt.Errorf("/-/ready: %s", resp.Status)
				}
				return nil
			},
		}
	})
	return &promAPI{base: fmt.Sprintf("http://127.0.0.1:%d", ports[0]), daemon: d}
}
