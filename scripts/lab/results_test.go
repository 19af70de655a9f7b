package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// wentToGoTest reports whether the command ran go test: the status line says so
// (testApp shows it at once).
func wentToGoTest(errOut string) bool { return strings.Contains(errOut, "lab: testing") }

func progress(t *testing.T, root string, args ...string) (out, errOut string) {
	t.Helper()
	a, o, e := testApp(root)
	if code := run(t, a, append([]string{"--no-color"}, args...)...); code != 0 {
		t.Fatalf("progress %q: exit %d\n%s%s", args, code, o, e)
	}
	return o.String(), e.String()
}

// The progress view runs a lab once, then answers from its record until
// something the result depends on changes.
func TestProgressAnswersFromRecords(t *testing.T) {
	t.Parallel()
	root := fixture(t, map[string]string{"ch99-fixture/adder/exercise/adder.go": addDone})
	const row = "adder  in progress  1/2 steps  (1/2 tests passing)"

	out, errOut := progress(t, root)
	if !wentToGoTest(errOut) || !strings.Contains(errOut, "building ch99-fixture (first run only: a few minutes") || !strings.Contains(out, row) {
		t.Fatalf("first progress: should build and run:\n%s%s", out, errOut)
	}
	out, errOut = progress(t, root)
	if wentToGoTest(errOut) || !strings.Contains(out, row) {
		t.Fatalf("unchanged: should answer from the record:\n%s%s", out, errOut)
	}

	// The exercise, the suite and a shared package outside the lab all count.
	for _, c := range []struct{ file, body, row string }{
		{"ch99-fixture/adder/exercise/adder.go", allDone, "adder  done         2/2 steps  (2/2 tests passing)"},
		{"ch99-fixture/adder/addertest/addertest.go", "", "adder  done"},
		{"ch99-fixture/kit/kit.go", "", "adder  done"},
	} {
		p := filepath.Join(root, filepath.FromSlash(c.file))
		if c.body == "" {
			b, _ := os.ReadFile(p)
			c.body = string(b) + "\n// changed\n"
		}
		if err := os.WriteFile(p, []byte(c.body), 0o644); err != nil {
			t.Fatal(err)
		}
		out, errOut = progress(t, root)
		if !wentToGoTest(errOut) || strings.Contains(errOut, "first run") || !strings.Contains(out, c.row) {
			t.Errorf("after changing %s: should run again, a warm build:\n%s%s", c.file, out, errOut)
		}
	}

	// The solution is not an input of the exercise's result.
	p := filepath.Join(root, "ch99-fixture", "adder", "solution", "adder.go")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, append(b, "\n// changed\n"...), 0o644)
	if out, errOut = progress(t, root); wentToGoTest(errOut) {
		t.Errorf("a change to the solution re-ran the exercise:\n%s%s", out, errOut)
	}

	// -refresh runs whatever the records say.
	if out, errOut = progress(t, root, "-refresh"); !wentToGoTest(errOut) {
		t.Errorf("-refresh did not run:\n%s%s", out, errOut)
	}
}

// When every lab would need a rebuild (here: go.work.sum changed), the view
// answers at once from the last results, marked stale, and says how to
// refresh them.
func TestProgressShowsStale(t *testing.T) {
	t.Parallel()
	root := fixture(t, map[string]string{"ch99-fixture/adder/exercise/adder.go": addDone})
	progress(t, root)
	if err := os.WriteFile(filepath.Join(root, "go.work.sum"), []byte("\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut := progress(t, root)
	for _, want := range []string{"adder  in progress  1/2 steps  (1/2 tests passing, stale)",
		"stale: adder: shown from the last run (the Go release, the environment or the dependencies changed)",
		"go run ./scripts/lab -refresh"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if wentToGoTest(errOut) {
		t.Errorf("ran go test for a stale lab:\n%s", errOut)
	}
	// check always brings the lab up to date.
	a, o, e := testApp(root)
	if code := run(t, a, "check", "adder"); code != 0 || !wentToGoTest(e.String()) {
		t.Errorf("check of a stale lab: exit %d\n%s%s", code, o, e)
	}
}

// A lab never run whose exercise is as committed is "not started" without
// building anything; once the learner edits it, it runs.
func TestProgressCommittedExercise(t *testing.T) {
	t.Parallel()
	root := committedFixture(t, nil, nil)
	out, errOut := progress(t, root)
	if wentToGoTest(errOut) || !strings.Contains(out, "adder  not started  0/2 steps  (as committed, not run yet)") ||
		!strings.Contains(out, "next: go run ./scripts/lab check adder") {
		t.Fatalf("pristine exercise:\n%s%s", out, errOut)
	}
	os.WriteFile(filepath.Join(root, "ch99-fixture", "adder", "exercise", "adder.go"), []byte(addDone), 0o644)
	out, errOut = progress(t, root)
	if !wentToGoTest(errOut) || !strings.Contains(out, "adder  in progress  1/2 steps  (1/2 tests passing)") {
		t.Fatalf("edited exercise:\n%s%s", out, errOut)
	}
}

// check with nothing changed answers from the record, first failure in
// full; a record made without -race does not count for check when -race
// is available.
func TestCheckAnswersFromRecord(t *testing.T) {
	t.Parallel()
	root := fixture(t, map[string]string{"ch99-fixture/adder/exercise/adder.go": strings.Replace(allDone, "a + b", "a * b", 1)})
	check := func() (string, string) {
		a, out, errOut := testApp(root)
		if code := run(t, a, "check", "adder"); code != 0 {
			t.Fatalf("check: exit %d\n%s%s", code, out, errOut)
		}
		return out.String(), errOut.String()
	}
	first, errOut := check()
	if !wentToGoTest(errOut) {
		t.Fatalf("first check did not run:\n%s%s", first, errOut)
	}
	again, errOut := check()
	if wentToGoTest(errOut) {
		t.Fatalf("second check ran again:\n%s", errOut)
	}
	if want := "(unchanged since the check at "; !strings.HasPrefix(again, want) {
		t.Errorf("second check does not say it is a stored result:\n%s", again)
	}
	if _, rest, _ := strings.Cut(again, "\n"); rest != first {
		t.Errorf("stored result differs from the run:\n--- run\n%s--- stored\n%s", first, rest)
	}
	for _, want := range []string{"Add(2, 3) = 6, want 5", "Add(-2, -3) = 6, want -5"} {
		if !strings.Contains(again, want) {
			t.Errorf("stored result lacks the failure's %q:\n%s", want, again)
		}
	}

	if race, _ := raceSupport(t.Context()); race {
		root := fixture(t, map[string]string{"ch99-fixture/adder/exercise/adder.go": addDone})
		progress(t, root)
		a, out, errOut := testApp(root)
		if run(t, a, "check", "adder"); !wentToGoTest(errOut.String()) || !strings.Contains(errOut.String(), "with -race") {
			t.Errorf("check after a progress view (no -race) should run with -race:\n%s%s", out, errOut)
		}
	}
}

// Replaying a stored stream gives back the same package, for every
// recorded situation.
func TestRecordReplay(t *testing.T) {
	for _, name := range []string{"pass", "fail", "todofail", "todoskip", "subtests", "panic", "build", "race", "leak", "hang"} {
		res := parseRecorded(t, name)
		p := res.Packages[0]
		rec := &record{Version: recordVersion, Lab: "ch/x", Package: p.Path, stream: res.Stream(p)}
		dir := t.TempDir()
		l := &Lab{ID: "ch/x"}
		if err := rec.save(dir, l); err != nil {
			t.Fatal(err)
		}
		got := loadRecord(dir, l).pkg()
		if got == nil {
			t.Fatalf("%s: replay lost the package", name)
		}
		if got.Action != p.Action || got.FailedBuild != p.FailedBuild || got.Problem() != p.Problem() ||
			strings.Join(got.PackageOutput(), "") != strings.Join(p.PackageOutput(), "") ||
			strings.Join(got.BuildOutput, "") != strings.Join(p.BuildOutput, "") || len(got.Tests) != len(p.Tests) {
			t.Errorf("%s: replay differs", name)
		}
		for _, tt := range p.Tests {
			if got.Outcome(tt.Name) != p.Outcome(tt.Name) || strings.Join(got.Output(tt.Name), "") != strings.Join(p.Output(tt.Name), "") {
				t.Errorf("%s: %s differs after replay", name, tt.Name)
			}
		}
	}
	// A damaged or foreign record is not used.
	dir := t.TempDir()
	l := &Lab{ID: "ch/x"}
	for _, body := range []string{"", "{not json\n", `{"version":99,"lab":"ch/x"}` + "\n", `{"version":1,"lab":"ch/y"}` + "\n"} {
		os.MkdirAll(filepath.Join(dir, "results", "ch"), 0o755)
		os.WriteFile(recordPath(dir, l), []byte(body), 0o644)
		if rec := loadRecord(dir, l); rec != nil {
			t.Errorf("record %q was used", body)
		}
	}
}

// Past the progress view's time budget, a changed lab shows its last
// result, marked stale, instead of running.
func TestProgressBudget(t *testing.T) {
	t.Parallel()
	root := fixture(t, map[string]string{"ch99-fixture/adder/exercise/adder.go": addDone})
	progress(t, root)
	os.WriteFile(filepath.Join(root, "ch99-fixture", "adder", "exercise", "adder.go"), []byte(allDone), 0o644)
	a, _, errOut := testApp(root)
	repo, _, err := a.open()
	if err != nil {
		t.Fatal(err)
	}
	reports, err := a.reports(t.Context(), repo, repo.Labs, runMode{budget: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r := reports[0]; r.From != fromStale || r.StaleWhy != "its files changed" || r.Done || wentToGoTest(errOut.String()) {
		t.Errorf("over budget: from %s (%s), done %v\n%s", r.From, r.StaleWhy, r.Done, errOut)
	}
}
