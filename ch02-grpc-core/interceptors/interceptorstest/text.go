package interceptorstest

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/grpc"

	"github.com/grpclabs/labs/scripts/labkit"
)

const (
	counterName   = "grpc_server_handled_total"
	histogramName = "grpc_server_handling_seconds"
)

// parseText parses with the Prometheus project's own parser: if it accepts
// the text, so does a Prometheus server scraping it.
func parseText(t *testing.T, text string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("the Prometheus text parser rejects WriteText's output: %v\n%s", err, text)
	}
	return fams
}

// labelsOf renders a sample's labels (without le) as service/method/code.
func labelsOf(m *dto.Metric) string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return fmt.Sprintf("%s/%s/%s", l["grpc_service"], l["grpc_method"], l["grpc_code"])
}

func bucketCount(b *dto.Bucket) uint64 {
	if b.CumulativeCountFloat != nil {
		return uint64(b.GetCumulativeCountFloat())
	}
	return b.GetCumulativeCount()
}

// TestMetricsText: step 5, the Prometheus text exposition format.
func TestMetricsText[M MetricsAPI](t *testing.T, newMetrics NewMetricsFunc[M]) {
	t.Run("empty", func(t *testing.T) {
		var buf bytes.Buffer
		err := newMetrics(testBounds, newClock().Now).WriteText(&buf)
		step5.Require(t, err)
		fams := parseText(t, buf.String())
		for name, f := range fams {
			if len(f.GetMetric()) != 0 {
				t.Errorf("before any call, family %s has samples %v", name, f.GetMetric())
			}
		}
	})

	m := measureCalls(t, labkit.Bufconn, newMetrics)
	var buf bytes.Buffer
	step5.Require(t, m.WriteText(&buf))
	text := buf.String()
	fams := parseText(t, text)

	t.Run("families", func(t *testing.T) {
		want := map[string]dto.MetricType{counterName: dto.MetricType_COUNTER, histogramName: dto.MetricType_HISTOGRAM}
		for name, typ := range want {
			f, ok := fams[name]
			if !ok {
				t.Errorf("no %s family; want a %v named %s (with # TYPE)\n%s", name, typ, name, text)
				continue
			}
			if f.GetType() != typ {
				t.Errorf("%s has type %v, want %v (# TYPE line)", name, f.GetType(), typ)
			}
			if f.GetHelp() == "" {
				t.Errorf("%s has no # HELP text", name)
			}
		}
		if len(fams) != len(want) {
			t.Errorf("families %v, want exactly %s and %s", slices.Sorted(maps.Keys(fams)), counterName, histogramName)
		}
	})

	t.Run("values", func(t *testing.T) {
		counters := map[string]float64{}
		for _, s := range fams[counterName].GetMetric() {
			counters[labelsOf(s)] = s.GetCounter().GetValue()
		}
		hists := map[string]*dto.Histogram{}
		for _, s := range fams[histogramName].GetMetric() {
			hists[labelsOf(s)] = s.GetHistogram()
		}
		if len(counters) != len(wantSeries) || len(hists) != len(wantSeries) {
			t.Errorf("%d counter and %d histogram samples, want %d of each (one per method and code)\n%s", len(counters), len(hists), len(wantSeries), text)
		}
		for _, want := range wantSeries {
			svc, method, _ := strings.Cut(strings.TrimPrefix(want.Method, "/"), "/")
			key := fmt.Sprintf("%s/%s/%s", svc, method, want.Code)
			if got := counters[key]; got != float64(want.Count) {
				t.Errorf("%s{%s} = %v, want %d (labels grpc_service, grpc_method, grpc_code)", counterName, key, got, want.Count)
			}
			h := hists[key]
			if h == nil {
				t.Errorf("no %s for %s\n%s", histogramName, key, text)
				continue
			}
			if h.GetSampleCount() != want.Count || math.Abs(h.GetSampleSum()-want.Sum) > 1e-9 {
				t.Errorf("%s{%s}: _count %d _sum %v, want %d and %v", histogramName, key, h.GetSampleCount(), h.GetSampleSum(), want.Count, want.Sum)
			}
			var bounds []float64
			var counts []uint64
			for _, b := range h.GetBucket() {
				if math.IsInf(b.GetUpperBound(), +1) {
					if bucketCount(b) != want.Count {
						t.Errorf("%s{%s}: le=\"+Inf\" bucket %d, want _count %d", histogramName, key, bucketCount(b), want.Count)
					}
					continue
				}
				bounds = append(bounds, b.GetUpperBound())
				counts = append(counts, bucketCount(b))
			}
			if !slices.Equal(bounds, testBounds) || !slices.Equal(counts, want.Buckets) {
				t.Errorf("%s{%s}: buckets le=%v counts %v, want le=%v counts %v (cumulative)", histogramName, key, bounds, counts, testBounds, want.Buckets)
			}
		}
	})

	t.Run("layout", func(t *testing.T) { checkLayout(t, text) })

	t.Run("http", func(t *testing.T) {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
			t.Errorf("Content-Type %q, want text/plain; version=0.0.4", ct)
		}
		if rec.Body.String() != text {
			t.Errorf("GET /metrics body differs from WriteText:\n%s\nwant\n%s", rec.Body.String(), text)
		}
	})

	t.Run("escaping", func(t *testing.T) {
		// Label values escape \, " and newline. Real method names never need
		// it, so call the interceptor directly with one that does.
		m := newMetrics(testBounds, newClock().Now)
		odd := "/we\\ird\"svc/Get\nNote"
		_, err := m.Unary()(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: odd},
			func(context.Context, any) (any, error) { return "ok", nil })
		step4.Require(t, err)
		var buf bytes.Buffer
		step5.Require(t, m.WriteText(&buf))
		fams := parseText(t, buf.String())
		got := fams[counterName].GetMetric()
		if len(got) != 1 || labelsOf(got[0]) != "we\\ird\"svc/Get\nNote/OK" {
			t.Errorf("method %q came back as %v; escape label values (\\\\, \\\", \\n)\n%s", odd, got, buf.String())
		}
	})
}

var leRE = regexp.MustCompile(`,?le="([^"]*)"`)

// checkLayout checks the order rules a lenient parser may forgive: HELP
// and TYPE before a family's samples, a family's samples together, and
// per histogram series ascending buckets ending in +Inf, then _sum, _count.
func checkLayout(t *testing.T, text string) {
	t.Helper()
	typed := map[string]bool{}
	done := map[string]bool{}
	current := ""
	type histState struct {
		last  float64
		stage int // 0 buckets, 1 after +Inf, 2 after _sum, 3 after _count
	}
	series := map[string]*histState{}
	for line := range strings.Lines(text) {
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			continue
		}
		if f, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, _, _ := strings.Cut(f, " ")
			if done[name] || typed[name] {
				t.Errorf("# TYPE for %s appears twice or after its samples", name)
			}
			typed[name] = true
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		name := line[:strings.IndexAny(line, "{ ")]
		family, suffix := name, ""
		for _, s := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(name, s); ok && b == histogramName {
				family, suffix = b, s
			}
		}
		if !typed[family] {
			t.Errorf("sample %q comes before its # TYPE line", line)
		}
		if family != current {
			if done[family] {
				t.Errorf("the samples of %s are not together: %q", family, line)
			}
			done[current], current = true, family
		}
		if family != histogramName {
			continue
		}
		labels := line[strings.Index(line, "{")+1 : strings.LastIndex(line, "}")]
		key := leRE.ReplaceAllString(labels, "")
		st := series[key]
		if st == nil {
			st = &histState{last: math.Inf(-1)}
			series[key] = st
		}
		switch suffix {
		case "_bucket":
			le := leRE.FindStringSubmatch(labels)
			if le == nil {
				t.Errorf("bucket without le: %q", line)
				continue
			}
			v, err := strconv.ParseFloat(le[1], 64)
			if err != nil || st.stage != 0 || v <= st.last {
				t.Errorf("bucket %q out of order: buckets go in ascending le, the last is le=\"+Inf\", then _sum, then _count", line)
			}
			st.last = v
			if math.IsInf(v, +1) {
				st.stage = 1
			}
		case "_sum":
			if st.stage != 1 {
				t.Errorf("%q: _sum must follow the le=\"+Inf\" bucket", line)
			}
			st.stage = 2
		case "_count":
			if st.stage != 2 {
				t.Errorf("%q: _count must follow _sum", line)
			}
			st.stage = 3
		}
	}
	for key, st := range series {
		if st.stage != 3 {
			t.Errorf("histogram series {%s} is incomplete: want buckets up to le=\"+Inf\", _sum and _count", key)
		}
	}
}
