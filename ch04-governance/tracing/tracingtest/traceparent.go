package tracingtest

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/grpclabs/labs/ch04-governance/tracing/handspan"
	"github.com/grpclabs/labs/scripts/labkit"
)

const (
	tid = "4bf92f3577b34da6a3ce929d0e0e4736"
	sid = "00f067aa0ba902b7"
)

var headers = []struct {
	h     string
	ok    bool
	flags byte
	why   string
}{
	{"00-" + tid + "-" + sid + "-01", true, 1, "the spec's example, sampled"},
	{"00-" + tid + "-" + sid + "-00", true, 0, "not sampled"},
	{"00-" + tid + "-" + sid + "-03", true, 3, "sampled and random (trace-context level 2)"},
	{"01-" + tid + "-" + sid + "-01-what-the-future-adds", true, 1, "a higher version may add fields: parse the four known ones"},
	{"cc-" + tid + "-" + sid + "-09", true, 1, "a higher version may set flags we do not know: keep sampled and random only"},
	{"ff-" + tid + "-" + sid + "-01", false, 0, "version ff is forbidden"},
	{"00-" + strings.ToUpper(tid) + "-" + sid + "-01", false, 0, "uppercase hex is not allowed"},
	{"00-" + tid + "-" + strings.ToUpper("00f067aa0ba902b7") + "-01", false, 0, "uppercase hex is not allowed"},
	{"00-" + tid + "-" + sid + "-01-extra", false, 0, "version 00 has exactly four fields"},
	{"00-" + tid + "-" + sid + "-04", false, 0, "version 00 defines no flag 04"},
	{"00-" + tid + "-" + sid + "-ff", false, 0, "version 00 defines no flags beyond 03"},
	{"00-00000000000000000000000000000000-" + sid + "-01", false, 0, "an all-zero trace id is invalid"},
	{"00-" + tid + "-0000000000000000-01", false, 0, "an all-zero parent id is invalid"},
	{"00-" + tid[:31] + "-" + sid + "-01", false, 0, "the trace id is 32 hex digits"},
	{"00-" + tid + "-" + sid[:15] + "-01", false, 0, "the parent id is 16 hex digits"},
	{"00-" + tid + "-" + sid + "-1", false, 0, "the flags are 2 hex digits"},
	{"0-" + tid + "-" + sid + "-01", false, 0, "the version is 2 hex digits"},
	{"0g-" + tid + "-" + sid + "-01", false, 0, "not hex"},
	{"01-" + tid + "-" + sid + "-01extra", false, 0, "a higher version's extra fields follow a dash"},
	{"00-" + tid + "-" + sid, false, 0, "three fields"},
	{"00_" + tid + "_" + sid + "_01", false, 0, "the delimiter is a dash"},
	{" 00-" + tid + "-" + sid + "-01", false, 0, "no spaces"},
	{"", false, 0, "empty"},
	{"garbage", false, 0, "garbage"},
}

// otelParse is what OpenTelemetry's propagator makes of a header.
func otelParse(h string) trace.SpanContext {
	ctx := propagation.TraceContext{}.Extract(context.Background(), propagation.MapCarrier{"traceparent": h})
	return trace.SpanContextFromContext(ctx)
}

// otelLenient is the one input the propagator accepts and the spec (and
// the lab) does not: a version 00 header with a trailing dash.
func otelLenient(h string) bool {
	return strings.HasPrefix(h, "00-") && len(h) == 56 && strings.HasSuffix(h, "-")
}

func sameAsOtel(sc handspan.SpanContext, o trace.SpanContext) bool {
	return o.IsValid() && [16]byte(o.TraceID()) == sc.TraceID && [8]byte(o.SpanID()) == sc.SpanID && byte(o.TraceFlags()) == sc.Flags
}

// TestTraceparent: step 1, the header by hand, against the spec's rules
// and OpenTelemetry's propagator.
func TestTraceparent(t *testing.T, l Lab) {
	_, err := l.Parse(headers[0].h)
	step1.Require(t, err)
	for _, tc := range headers {
		sc, err := l.Parse(tc.h)
		if step1.Check(t, err) != nil {
			if tc.ok {
				t.Errorf("Parse(%q) = %v; want it accepted: %s", tc.h, err, tc.why)
			}
		} else if !tc.ok {
			t.Errorf("Parse(%q) accepted it as %v; want an error: %s", tc.h, sc, tc.why)
		} else {
			if sc.Flags != tc.flags {
				t.Errorf("Parse(%q).Flags = %#02x, want %#02x: %s", tc.h, sc.Flags, tc.flags, tc.why)
			}
			if !sameAsOtel(sc, otelParse(tc.h)) {
				t.Errorf("Parse(%q) = %v, flags %#02x; OpenTelemetry reads %v", tc.h, sc, sc.Flags, otelParse(tc.h))
			}
		}
		if otelOK := otelParse(tc.h).IsValid(); otelOK != tc.ok {
			t.Fatalf("the suite's table is wrong: OpenTelemetry says %v for %q", otelOK, tc.h)
		}
	}
	if _, err := l.Parse("00-" + tid + "-" + sid + "-01-"); err == nil {
		t.Error("Parse accepted a version 00 header with a trailing dash; the spec says exactly 55 characters (OpenTelemetry is lenient here, the README says so)")
	}

	// Format, read back by both.
	sc := handspan.SpanContext{TraceID: handspan.NewTraceID(), SpanID: handspan.NewSpanID(), Flags: handspan.FlagSampled}
	h, err := l.Format(sc)
	step1.Require(t, err)
	if len(h) != 55 || !strings.HasPrefix(h, "00-") {
		t.Errorf("Format = %q, want a version 00 header of 55 characters", h)
	}
	if back, err := l.Parse(h); err != nil || back != sc {
		t.Errorf("Parse(Format(sc)) = %v, %v; want %v back", back, err, sc)
	}
	if !sameAsOtel(sc, otelParse(h)) {
		t.Errorf("OpenTelemetry reads Format's %q as %v; want %v", h, otelParse(h), sc)
	}
	for _, bad := range []handspan.SpanContext{{SpanID: sc.SpanID}, {TraceID: sc.TraceID}} {
		if h, err := l.Format(bad); err == nil {
			t.Errorf("Format(%v) = %q; an all-zero id must be refused, not sent", bad, h)
		}
	}

	// What OpenTelemetry writes, read by Parse.
	for _, flags := range []trace.TraceFlags{0, trace.FlagsSampled, trace.FlagsSampled | trace.FlagsRandom} {
		osc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID(handspan.NewTraceID()), SpanID: trace.SpanID(handspan.NewSpanID()), TraceFlags: flags})
		carrier := propagation.MapCarrier{}
		propagation.TraceContext{}.Inject(trace.ContextWithSpanContext(context.Background(), osc), carrier)
		got, err := l.Parse(carrier.Get("traceparent"))
		if err != nil || !sameAsOtel(got, osc) {
			t.Errorf("Parse(%q), written by OpenTelemetry = %v, %v; want %v", carrier.Get("traceparent"), got, err, osc)
		}
	}
}

// FuzzTraceparent: step 1, Parse never panics, agrees with OpenTelemetry,
// and what it accepts survives Format.
func FuzzTraceparent(f *testing.F, l Lab) {
	for _, tc := range headers {
		f.Add(tc.h)
	}
	f.Add("00-" + tid + "-" + sid + "-01-")
	f.Fuzz(func(t *testing.T, h string) {
		sc, err := l.Parse(h)
		if labkit.IsTODO(err) {
			step1.Check(t, err)
		}
		o := otelParse(h)
		if err != nil {
			if o.IsValid() && !otelLenient(h) {
				t.Fatalf("Parse(%q) = %v; OpenTelemetry accepts it as %v", h, err, o)
			}
			return
		}
		if !sameAsOtel(sc, o) {
			t.Fatalf("Parse(%q) = %v flags %#02x; OpenTelemetry reads %v", h, sc, sc.Flags, o)
		}
		out, err := l.Format(sc)
		if err != nil {
			t.Fatalf("Format(Parse(%q)) = %v", h, err)
		}
		if back, err := l.Parse(out); err != nil || back != sc {
			t.Fatalf("Parse(Format(Parse(%q))) = %v, %v; want %v", h, back, err, sc)
		}
	})
}
