// Package shardingtest is the sharding drill's suite. The exercise and the
// solution both run it through their one-screen *_test.go files.
//
// The placements are measured on seeded, skewed workloads (see
// workload.go): how unevenly writes land (the hottest shard's load over
// the mean), how many shards a query must visit, and how many keys move
// when a shard is added. The Snowflake generator runs on a fake clock
// that the tests set, step back and count sleeps on.
package shardingtest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch05-interview/sharding"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "NewModulo and NewRange"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "NewRing"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "Snowflake.NextID"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "Snowflake.backwards"}
)

// Placement maps a shard key to a shard.
type Placement interface {
	Shards() int
	Shard(key uint64) int
	// ShardsFor is the shards a query for the keys in [lo, hi] must visit.
	ShardsFor(lo, hi uint64) []int
}

// Lab is the drill's constructors, as the suite needs them.
type Lab[M, R, G Placement] struct {
	NewModulo func(shards int) (M, error)
	NewRange  func(bounds []uint64) (R, error)
	NewRing   func(shards, vnodes int) (G, error)
}

// equalRanges splits [0, max) into n equal ranges.
func equalRanges(n int, max uint64) []uint64 {
	b := make([]uint64, n-1)
	for i := range b {
		b[i] = max / uint64(n) * uint64(i+1)
	}
	return b
}

func all(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestModulo: step 1, user_id % n.
func TestModulo[M, R, G Placement](t *testing.T, l Lab[M, R, G]) {
	m, err := l.NewModulo(8)
	step1.Require(t, err)
	if _, err := l.NewModulo(0); err == nil {
		t.Error("NewModulo(0) succeeded; a placement needs at least one shard")
	}
	for _, k := range []uint64{0, 1, 7, 8, 9, 1<<64 - 1} {
		if got := m.Shard(k); got != int(k%8) {
			t.Errorf("Shard(%d) = %d, want %d", k, got, k%8)
		}
	}
	w := recencyWorkload()
	if r := hotRatio(m, w.userWrites); r > 1.05 {
		t.Errorf("modulo by user id: the hottest of 8 shards takes %.2f× the mean load on the recency-skewed workload; consecutive ids spread round-robin, so it should be about 1.0", r)
	}
	if got := m.ShardsFor(42, 42); !slices.Equal(got, []int{2}) {
		t.Errorf("ShardsFor(42, 42) = %v, want [2]: one user's rows are on one shard", got)
	}
	if got := m.ShardsFor(10, 12); !slices.Equal(got, []int{2, 3, 4}) {
		t.Errorf("ShardsFor(10, 12) = %v, want [2 3 4], the shards of 10, 11 and 12 in order", got)
	}
	if got := m.ShardsFor(1000, 2000); !slices.Equal(got, all(8)) {
		t.Errorf("ShardsFor(1000, 2000) = %v; a range of more keys than shards touches all 8", got)
	}
}

// TestRanges: step 1, contiguous key ranges.
func TestRanges[M, R, G Placement](t *testing.T, l Lab[M, R, G]) {
	r, err := l.NewRange([]uint64{100, 200, 300})
	step1.Require(t, err)
	if _, err := l.NewRange([]uint64{100, 100}); err == nil {
		t.Error("NewRange([100 100]) succeeded; bounds must be strictly increasing")
	}
	if r.Shards() != 4 {
		t.Errorf("3 bounds make %d shards, want 4", r.Shards())
	}
	for k, want := range map[uint64]int{0: 0, 99: 0, 100: 1, 199: 1, 200: 2, 299: 2, 300: 3, 1 << 60: 3} {
		if got := r.Shard(k); got != want {
			t.Errorf("Shard(%d) = %d, want %d (shard i holds bounds[i-1] <= key < bounds[i])", k, got, want)
		}
	}
	for _, c := range []struct {
		lo, hi uint64
		want   []int
	}{{110, 190, []int{1}}, {150, 250, []int{1, 2}}, {0, 1 << 62, []int{0, 1, 2, 3}}, {5, 4, nil}} {
		if got := r.ShardsFor(c.lo, c.hi); !slices.Equal(got, c.want) {
			t.Errorf("ShardsFor(%d, %d) = %v, want %v", c.lo, c.hi, got, c.want)
		}
	}
	w := recencyWorkload()
	byUser, err := l.NewRange(equalRanges(8, users+1))
	step1.Require(t, err)
	if ratio := hotRatio(byUser, w.userWrites); ratio < 5 {
		t.Errorf("ranges by user id: the hottest of 8 shards takes %.2f× the mean; the newest 10%% of users make 80%% of the writes and all live on the last shard, so it should be above 5", ratio)
	}
}

// TestRing: step 2, consistent hashing with virtual nodes.
func TestRing[M, R, G Placement](t *testing.T, l Lab[M, R, G]) {
	g, err := l.NewRing(8, 100)
	step2.Require(t, err)
	if _, err := l.NewRing(0, 100); err == nil {
		t.Error("NewRing(0, 100) succeeded; a ring needs at least one shard")
	}
	again, err := l.NewRing(8, 100)
	step2.Require(t, err)
	for k := range uint64(1000) {
		if s := g.Shard(k); s < 0 || s >= 8 || s != again.Shard(k) {
			t.Fatalf("Shard(%d) = %d on one ring and %d on another built the same way; want the same shard in 0..7", k, s, again.Shard(k))
		}
	}
	w := recencyWorkload()
	if r := hotRatio(g, w.userWrites); r > 1.35 {
		t.Errorf("a ring of 8 shards × 100 virtual nodes: the hottest shard takes %.2f× the mean load; with 800 points it should be below 1.35 (is the key hashed before it is placed?)", r)
	}
	one, err := l.NewRing(8, 1)
	step2.Require(t, err)
	r1, r100 := spread(one), spread(g)
	t.Logf("largest shard share × 8 over 100,000 sequential keys: %.2f with 1 point per shard, %.2f with 100", r1, r100)
	if r1 <= r100 {
		t.Errorf("with 1 point per shard the largest shard holds %.2f× its fair share, with 100 points %.2f×; more virtual nodes must even the arcs out", r1, r100)
	}

	// Adding a ninth shard moves about 1/9 of the keys, and only to it.
	nine, err := l.NewRing(9, 100)
	step2.Require(t, err)
	moved, wrong := 0, 0
	for k := range uint64(100000) {
		if a, b := g.Shard(k), nine.Shard(k); a != b {
			moved++
			if b != 8 {
				wrong++
			}
		}
	}
	if wrong > 0 {
		t.Errorf("adding shard 8 moved %d keys between the old shards; a shard's points must depend only on the shard and the vnode number, so old points stay and keys move only to the new shard", wrong)
	}
	if f := float64(moved) / 100000; f < 0.5/9 || f > 2.0/9 {
		t.Errorf("adding a 9th shard moved %.1f%% of the keys; consistent hashing moves about 1/9 (11%%)", 100*f)
	}
	if got := g.ShardsFor(10, 5000); !slices.Equal(got, all(8)) {
		t.Errorf("ShardsFor(10, 5000) = %v; hashing scatters a range over all 8 shards", got)
	}
	if got := g.ShardsFor(7, 7); !slices.Equal(got, []int{g.Shard(7)}) {
		t.Errorf("ShardsFor(7, 7) = %v, want [%d]", got, g.Shard(7))
	}
}

// spread is the largest shard's share of 100,000 sequential keys, times
// the number of shards (1.0: perfectly even).
func spread(p Placement) float64 {
	counts := make([]int, p.Shards())
	for k := range uint64(100000) {
		counts[p.Shard(k)]++
	}
	return float64(slices.Max(counts)) * float64(p.Shards()) / 100000
}

// fakeClock is a Clock the test moves; Sleep moves it forward.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time        { return c.now }
func (c *fakeClock) Sleep(d time.Duration) { c.sleeps = append(c.sleeps, d); c.now = c.now.Add(d) }

// Snowflake is the generator, as the suite uses it.
type Snowflake interface{ NextID() (int64, error) }

// Snow is the drill's Snowflake constructor and helpers. C is the lab's
// Clock interface, which the suite's fake clock implements.
type Snow[S Snowflake, C any] struct {
	New          func(worker int64, clock C) (S, error)
	Decompose    func(id int64) (time.Time, int64, int64)
	Epoch        time.Time
	ErrBackwards error
}

// newGen builds a generator on the fake clock.
func (sn Snow[S, C]) newGen(worker int64, c *fakeClock) (S, error) {
	return sn.New(worker, any(c).(C))
}

// TestSnowflake: step 3, the id layout and the sequence within a millisecond.
func TestSnowflake[S Snowflake, C any](t *testing.T, sn Snow[S, C]) {
	start := sn.Epoch.Add(1000 * time.Hour)
	clock := &fakeClock{now: start}
	s, err := sn.newGen(5, clock)
	step3.Require(t, err)
	first, err := s.NextID()
	step3.Require(t, err)
	at, worker, seq := sn.Decompose(first)
	if !at.Equal(start) || worker != 5 || seq != 0 {
		t.Fatalf("the first id decomposes to (%v, worker %d, seq %d); want (%v, 5, 0): 41 bits of milliseconds since Epoch, 10 of worker, 12 of sequence", at, worker, seq, start)
	}
	if want := int64(1000*time.Hour/time.Millisecond)<<22 | 5<<12; first != want {
		t.Errorf("the first id is %d, want %d (ms << 22 | worker << 12 | seq)", first, want)
	}
	for _, w := range []int64{-1, 1024} {
		if _, err := sn.newGen(w, clock); err == nil {
			t.Errorf("NewSnowflake(%d) succeeded; a worker id has 10 bits (0 to 1023)", w)
		}
	}

	// The rest of this millisecond: sequence numbers 1 to 4095, no sleeping.
	prev := first
	for i := int64(1); i < 4096; i++ {
		id, err := s.NextID()
		step3.Require(t, err)
		if _, _, seq := sn.Decompose(id); id <= prev || seq != i {
			t.Fatalf("id %d of this millisecond: %d (seq %d); want seq %d, larger than the previous id %d", i, id, seq, i, prev)
		}
		prev = id
	}
	if len(clock.sleeps) != 0 {
		t.Fatalf("NextID slept %v within one millisecond's 4,096 ids", clock.sleeps)
	}
	// The 4,097th must wait for the next millisecond.
	clock.now = clock.now.Add(300 * time.Microsecond)
	id, err := s.NextID()
	step3.Require(t, err)
	at, _, seq = sn.Decompose(id)
	if !at.Equal(start.Add(time.Millisecond)) || seq != 0 || id <= prev {
		t.Fatalf("after 4,096 ids in one millisecond the next id is (%v, seq %d); want the next millisecond, %v, with seq 0", at, seq, start.Add(time.Millisecond))
	}
	var slept time.Duration
	for _, d := range clock.sleeps {
		slept += d
	}
	if slept != 700*time.Microsecond {
		t.Errorf("NextID slept %v (%v) to reach the next millisecond, which was 700µs away", slept, clock.sleeps)
	}

	// A new millisecond restarts the sequence.
	clock.now = clock.now.Add(5 * time.Millisecond)
	id2, err := s.NextID()
	step3.Require(t, err)
	if _, _, seq := sn.Decompose(id2); seq != 0 || id2 <= id {
		t.Errorf("in a later millisecond the sequence is %d, want 0", seq)
	}

	t.Run("concurrent", func(t *testing.T) {
		// The generator's own lock must serialise its calls to the clock:
		// -race reports it if it does not.
		s, err := sn.newGen(1, &fakeClock{now: start})
		step3.Require(t, err)
		ids := make([][]int64, 8)
		done := make(chan struct{})
		for g := range ids {
			go func() {
				defer func() { done <- struct{}{} }()
				for range 3000 {
					id, err := s.NextID()
					if err != nil {
						return
					}
					ids[g] = append(ids[g], id)
				}
			}()
		}
		for range ids {
			<-done
		}
		seen := map[int64]bool{}
		for g, list := range ids {
			if len(list) != 3000 {
				t.Fatalf("goroutine %d got %d ids of 3,000", g, len(list))
			}
			if !slices.IsSorted(list) {
				t.Errorf("goroutine %d's ids are not increasing", g)
			}
			for _, id := range list {
				if seen[id] {
					t.Fatalf("id %d issued twice", id)
				}
				seen[id] = true
			}
		}
	})
}

// TestClockBackwards: step 4, the clock steps back.
func TestClockBackwards[S Snowflake, C any](t *testing.T, sn Snow[S, C]) {
	start := sn.Epoch.Add(1000 * time.Hour)
	clock := &fakeClock{now: start}
	s, err := sn.newGen(3, clock)
	step3.Require(t, err)
	a, err := s.NextID()
	step3.Require(t, err)

	clock.now = start.Add(-3 * time.Millisecond) // an NTP correction
	b, err := s.NextID()
	step4.Require(t, err)
	at, _, seq := sn.Decompose(b)
	if b <= a || !at.Equal(start) || seq != 1 {
		t.Errorf("after the clock stepped back 3ms the next id is %d (%v, seq %d); want it to wait out the 3ms and continue the last millisecond (%v, seq 1)", b, at, seq, start)
	}
	if !slices.Equal(clock.sleeps, []time.Duration{3 * time.Millisecond}) {
		t.Errorf("NextID slept %v; a step back within MaxBackwards (5ms) is waited out: one sleep of 3ms", clock.sleeps)
	}

	clock.sleeps = nil
	clock.now = start.Add(-time.Second)
	id, err := s.NextID()
	if step4.Check(t, err) == nil {
		t.Fatalf("the clock stepped back 1s and NextID returned %d; it must refuse (an id from the past could repeat one already issued)", id)
	}
	if !errors.Is(err, sn.ErrBackwards) {
		t.Errorf("the error %q does not wrap ErrClockBackwards", err)
	}
	if len(clock.sleeps) != 0 {
		t.Errorf("NextID slept %v before refusing; stalling every caller for a second is worse than an error", clock.sleeps)
	}
	clock.now = start.Add(2 * time.Millisecond) // the clock has caught up
	c, err := s.NextID()
	step4.Require(t, err)
	if c <= b {
		t.Errorf("once the clock caught up, the next id %d is not larger than %d", c, b)
	}
}
