package interceptorstest

import (
	"context"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	notev1 "github.com/grpclabs/labs/ch02-grpc-core/gen/interceptors/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
	"github.com/grpclabs/labs/scripts/labkit"
)

// NewMetricsFunc is the lab's NewMetrics.
type NewMetricsFunc[M MetricsAPI] = func([]float64, shared.Clock) M

// testBounds are the histogram bounds the metrics tests use, in seconds.
var testBounds = []float64{0.1, 0.5, 1}

// wantSeries is what the calls in measureCalls leave behind.
var wantSeries = []shared.Series{
	// 50ms, 100ms (exactly on a bound: "le" means less or equal), 300ms, 2s.
	{Method: mGet, Code: codes.OK, Count: 4, Sum: 2.45, Buckets: []uint64{2, 3, 3}},
	{Method: mGet, Code: codes.NotFound, Count: 1, Sum: 0.02, Buckets: []uint64{1, 1, 1}},
	{Method: mList, Code: codes.OK, Count: 1, Sum: 0.7, Buckets: []uint64{0, 0, 1}},
}

// measureCalls serves a probe behind m's interceptors and makes the calls
// wantSeries describes, with the fake clock advanced by each handler.
func measureCalls[M MetricsAPI](t *testing.T, tr labkit.Transport, newMetrics NewMetricsFunc[M]) M {
	t.Helper()
	clock := newClock()
	m := newMetrics(testBounds, clock.Now)
	p := newProbe(clock)
	client := serve(t, tr, p, grpc.UnaryInterceptor(m.Unary()), grpc.StreamInterceptor(m.Stream()))
	for _, d := range []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 300 * time.Millisecond, 2 * time.Second} {
		p.setWork(d)
		_, err := client.GetNote(t.Context(), &notev1.GetNoteRequest{Id: "n1"})
		step4.Require(t, err)
	}
	p.setWork(20 * time.Millisecond)
	_, err := client.GetNote(t.Context(), &notev1.GetNoteRequest{Id: "missing"})
	if status.Code(err) != codes.NotFound {
		step4.Check(t, err)
		t.Fatalf("GetNote(missing): %v, want NotFound passed through", err)
	}
	p.setWork(700 * time.Millisecond)
	notes, err := listAll(t.Context(), client, 0)
	step4.Require(t, err)
	if len(notes) != 3 {
		t.Fatalf("ListNotes: %d notes, want 3", len(notes))
	}
	return m
}

func sameSeries(a, b shared.Series) bool {
	return a.Method == b.Method && a.Code == b.Code && a.Count == b.Count &&
		math.Abs(a.Sum-b.Sum) < 1e-9 && slices.Equal(a.Buckets, b.Buckets)
}

// TestMetrics: step 4, counts and latency histograms per method and code.
func TestMetrics[M MetricsAPI](t *testing.T, newMetrics NewMetricsFunc[M]) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		m := measureCalls(t, tr, newMetrics)
		snap := m.Snapshot()
		if !slices.Equal(snap.Bounds, testBounds) {
			t.Errorf("Snapshot().Bounds = %v, want %v", snap.Bounds, testBounds)
		}
		if len(snap.Series) != len(wantSeries) {
			t.Fatalf("Snapshot() has %d series %+v, want %d: one per (method, code), sorted by method then code:\n%+v", len(snap.Series), snap.Series, len(wantSeries), wantSeries)
		}
		for i, want := range wantSeries {
			if got := snap.Series[i]; !sameSeries(got, want) {
				t.Errorf("series %d = %+v\nwant          %+v\n(Buckets are cumulative: Buckets[i] counts calls that took <= Bounds[i]; durations come from the clock you were given)", i, got, want)
			}
		}

		// A snapshot is a copy: editing it changes nothing inside.
		snap.Series[0].Buckets[0] = 999
		snap.Bounds[0] = 999
		again := m.Snapshot()
		if again.Series[0].Buckets[0] != wantSeries[0].Buckets[0] || again.Bounds[0] != testBounds[0] {
			t.Errorf("editing a Snapshot changed the metrics; copy the slices")
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		// Many calls at once: every one counted, and -race watches the maps.
		m := newMetrics(testBounds, newClock().Now)
		client := serve(t, labkit.Bufconn, newProbe(nil), grpc.UnaryInterceptor(m.Unary()), grpc.StreamInterceptor(m.Stream()))
		var wg sync.WaitGroup
		errs := make(chan error, 60)
		for i := range 60 {
			wg.Go(func() {
				var err error
				if i%3 == 0 {
					_, err = listAll(context.Background(), client, 1)
				} else {
					_, err = client.GetNote(context.Background(), &notev1.GetNoteRequest{Id: "n1"})
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			step4.Require(t, err)
		}
		snap := m.Snapshot()
		for _, want := range []shared.Series{
			{Method: mGet, Code: codes.OK, Count: 40, Buckets: []uint64{40, 40, 40}},
			{Method: mList, Code: codes.OK, Count: 20, Buckets: []uint64{20, 20, 20}},
		} {
			got, ok := snap.Find(want.Method, want.Code)
			if !ok || !sameSeries(got, want) {
				t.Errorf("after concurrent calls: %+v, want %+v", got, want)
			}
		}
	})
}
