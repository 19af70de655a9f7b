package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is the drill's clock in tests: it moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// drillRun is one `lab drill` running in the background, with a fake
// clock and a poll ticker the test drives. The loop tells when it is
// idle, waiting for the next poll: only then does the test change files
// or the clock, so every step is deterministic.
type drillRun struct {
	clock    *fakeClock
	tick     chan time.Time
	idle     chan struct{}
	out, err *strings.Builder
	cancel   context.CancelFunc
	code     chan int
	ended    bool
}

func startDrill(t *testing.T, root string, clock *fakeClock, drills string, args ...string) *drillRun {
	t.Helper()
	a, _, _ := testApp(root)
	d := &drillRun{clock: clock, tick: make(chan time.Time), idle: make(chan struct{}), code: make(chan int, 1),
		out: &strings.Builder{}, err: &strings.Builder{}}
	a.out.W, a.errOut.W = syncWriter(d.out), syncWriter(d.err)
	a.now, a.drills = clock.Now, drills
	a.tick = func(time.Duration) (<-chan time.Time, func()) { return d.tick, func() {} }
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	a.waiting = func() {
		select {
		case d.idle <- struct{}{}:
		case <-ctx.Done():
		}
	}
	go func() { d.code <- a.main(ctx, append([]string{"drill"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		d.wait(t)
	})
	d.settle(t)
	return d
}

// settle waits until the loop is idle or drill has ended.
func (d *drillRun) settle(t *testing.T) {
	t.Helper()
	if d.ended {
		return
	}
	select {
	case <-d.idle:
	case code := <-d.code:
		d.code <- code
		d.ended = true
	}
}

// poll lets the loop take one poll and do what it asks (a check of a
// save, the end of the drill), and waits for that.
func (d *drillRun) poll(t *testing.T) {
	t.Helper()
	if d.ended {
		t.Fatalf("drill ended before the poll:\n%s%s", d.output(), d.err)
	}
	d.tick <- d.clock.Now()
	d.settle(t)
}

// wait is drill's exit code once it has ended.
func (d *drillRun) wait(t *testing.T) int {
	t.Helper()
	code := <-d.code
	d.code <- code // for the next caller
	d.ended = true
	return code
}

var outMu sync.Mutex

func (d *drillRun) output() string {
	outMu.Lock()
	defer outMu.Unlock()
	return d.out.String()
}

type lockedWriter struct{ b *strings.Builder }

func (w lockedWriter) Write(p []byte) (int, error) {
	outMu.Lock()
	defer outMu.Unlock()
	return w.b.Write(p)
}

func syncWriter(b *strings.Builder) lockedWriter { return lockedWriter{b} }

var drillStart = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func writeExercise(t *testing.T, root, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(root, "ch99-fixture", "adder", "exercise", "adder.go"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A drill to the end: the question and the budget, a check on each save,
// and once every step passes the time taken on the drill's own clock, the
// steps, the model answer, and the best time in the progress view.
func TestDrillDone(t *testing.T) {
	t.Parallel()
	root := committedFixture(t, nil, nil)
	clock := &fakeClock{t: drillStart}
	d := startDrill(t, root, clock, "", "adder")
	clock.Add(3 * time.Minute)
	writeExercise(t, root, addDone)
	d.poll(t) // a check of the save
	clock.Add(5*time.Minute + 30*time.Second)
	writeExercise(t, root, allDone)
	d.poll(t) // its check finds every step done, and the drill ends
	if code := d.wait(t); code != 0 {
		t.Fatalf("drill: exit %d\n%s%s", code, d.output(), d.err)
	}
	out := d.output()
	for _, want := range []string{
		"(ch99-fixture/adder is a lab, not an interview drill: timed anyway, for practice)",
		"Drill: ch99-fixture/adder, 10 minutes",
		"  Add and subtract.",
		"clock started at ",
		"drill adder · 0:00 of 10:00",
		"drill adder · 3:00 of 10:00",
		"✓    1. Add two numbers",
		"ch99-fixture/adder done in 8:30 (budget 10:00), 2/2 steps.",
		"best time: 8:30 (2026-01-02)",
		"model answer: ch99-fixture/adder/solution/ and the Explanation in ch99-fixture/adder/README.md",
		"compare: go run ./scripts/lab diff adder",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("drill output lacks %q:\n%s", want, out)
		}
	}
	st, _ := loadState(filepath.Join(root, ".lab"))
	if ds := st.Labs["ch99-fixture/adder"].Drills; len(ds) != 1 || ds[0].Result != drillDone || ds[0].Steps != 2 || ds[0].Of != 2 ||
		ds[0].End.Sub(ds[0].Start) != 8*time.Minute+30*time.Second {
		t.Errorf("drills in the state: %+v", ds)
	}
	a, pout, _ := testApp(root)
	if run(t, a, "--no-color"); !strings.Contains(pout.String(), "drill best 8:30 of 10 min") {
		t.Errorf("progress does not show the best drill time:\n%s", pout)
	}
}

// The bell: with nothing saved since the last check, the drill ends when
// its time is up, with the steps done so far.
func TestDrillTimeUp(t *testing.T) {
	t.Parallel()
	root := committedFixture(t, nil, nil)
	clock := &fakeClock{t: drillStart}
	d := startDrill(t, root, clock, "ch99-fixture", "adder")
	clock.Add(9 * time.Minute)
	writeExercise(t, root, addDone)
	d.poll(t) // a save before the bell is checked
	clock.Add(time.Minute + time.Second)
	d.poll(t) // past the budget, nothing new: the end
	if code := d.wait(t); code != 0 {
		t.Fatalf("drill: exit %d\n%s%s", code, d.output(), d.err)
	}
	out := d.output()
	if !strings.Contains(out, "time is up: ch99-fixture/adder, 1/2 steps done in 10:01.") || strings.Contains(out, "not an interview drill") {
		t.Errorf("drill output:\n%s", out)
	}
}

// Ctrl-C pauses the screen, not the clock; drill without a name resumes
// the open attempt. A new attempt needs the committed exercise: -reset
// backs the learner's up first.
func TestDrillResumeAndReset(t *testing.T) {
	t.Parallel()
	root := committedFixture(t, nil, nil)
	clock := &fakeClock{t: drillStart}
	d := startDrill(t, root, clock, "ch99-fixture")
	d.cancel()
	if code := d.wait(t); code != 0 || !strings.Contains(d.output(), "paused: the clock keeps running (0:00 of 10:00 used). resume: go run ./scripts/lab drill adder") {
		t.Fatalf("drill after Ctrl-C: exit %d\n%s%s", code, d.output(), d.err)
	}

	clock.Add(2 * time.Minute)
	writeExercise(t, root, addDone)
	d = startDrill(t, root, clock, "ch99-fixture")
	d.cancel()
	d.wait(t)
	if out := d.output(); !strings.Contains(out, "clock started at 03:04:05 (resumed: 2:00 used)") || !strings.Contains(out, "drill adder · 2:00 of 10:00") {
		t.Errorf("resumed drill:\n%s%s", out, d.err)
	}

	// The attempt is still open, so a drill of it resumes; -reset starts
	// a new one from the committed exercise.
	d = startDrill(t, root, clock, "ch99-fixture", "adder", "-reset")
	d.cancel()
	d.wait(t)
	out := d.output()
	if !strings.Contains(out, "your previous exercise is saved in .lab/backup/ch99-fixture/adder/") || !strings.Contains(out, "TODO 1. Add two numbers") {
		t.Errorf("drill -reset:\n%s%s", out, d.err)
	}
	st, _ := loadState(filepath.Join(root, ".lab"))
	if ds := st.Labs["ch99-fixture/adder"].Drills; len(ds) != 2 || ds[0].Result != drillDropped || !ds[1].End.IsZero() {
		t.Errorf("drills after -reset: %+v", ds)
	}

	// Without an open attempt, a changed exercise is refused.
	st.Labs["ch99-fixture/adder"].Drills[1].End = clock.Now()
	if err := st.save(filepath.Join(root, ".lab")); err != nil {
		t.Fatal(err)
	}
	writeExercise(t, root, addDone)
	a, out2, errOut := testApp(root)
	if code := run(t, a, "drill", "adder"); code != 1 || !strings.Contains(errOut.String(), "drill adder -reset backs yours up") {
		t.Errorf("drill of a changed exercise: exit %d\n%s%s", code, out2, errOut)
	}
}

// With every drill done, drill without a name lists the best times.
func TestDrillAllDone(t *testing.T) {
	t.Parallel()
	root := fixture(t, nil)
	st, _ := loadState(filepath.Join(root, ".lab"))
	st.Lab("ch99-fixture/adder").Drills = []Drill{{Start: drillStart, End: drillStart.Add(7 * time.Minute), Minutes: 10, Result: drillDone}}
	if err := st.save(filepath.Join(root, ".lab")); err != nil {
		t.Fatal(err)
	}
	a, out, errOut := testApp(root)
	a.drills = "ch99-fixture"
	if code := run(t, a, "drill"); code != 0 || !strings.Contains(out.String(), "every drill is done; your best times:\n  adder            7:00") {
		t.Errorf("drill with every drill done: exit %d\n%s%s", code, out, errOut)
	}
}

func TestClock(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0:00", -time.Second: "0:00", 59*time.Second + 999*time.Millisecond: "0:59",
		90 * time.Minute: "1:30:00", 10*time.Minute + 5*time.Second: "10:05"} {
		if got := clock(d); got != want {
			t.Errorf("clock(%v) = %q, want %q", d, got, want)
		}
	}
}
