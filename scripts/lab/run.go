package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Where a report came from.
const (
	fromRun       = "run"       // go test ran just now
	fromRecord    = "record"    // the last run, and nothing it depends on has changed
	fromStale     = "stale"     // the last run, although its inputs changed (re-running would be slow)
	fromCommitted = "committed" // never run, and the exercise is as committed: not started
)

// runMode says which results are good enough and what may be run.
type runMode struct {
	race   bool // run with -race
	vet    bool // run go test's vet checks
	strict bool // a record counts only when made with the same -race and vet settings (check)
	// budget bounds, for the progress view, the estimated time spent
	// re-running labs whose files changed; past it their last result is
	// shown as stale. Zero runs whatever is needed.
	budget  time.Duration
	refresh bool // ignore records: run every lab
}

// reports returns a report per lab, in order, answering from each lab's
// record when its inputs are unchanged and running the others in one
// `go test` call.
func (a *app) reports(ctx context.Context, repo *Repo, labs []*Lab, m runMode) ([]*LabReport, error) {
	in := newInputs(repo, a.env)
	dataDir := a.dataDir(repo.Root)
	reports := make([]*LabReport, len(labs))
	keys := make([]inputKey, len(labs))
	recs := make([]*record, len(labs))
	var run, cheap, unrecorded []int
	var spent time.Duration
	for i, l := range labs {
		keys[i] = in.key(l)
		rec := loadRecord(dataDir, l)
		recs[i] = rec
		switch {
		case m.refresh:
			run = append(run, i)
		case rec != nil && rec.Key == keys[i] && (!m.strict || rec.Race == m.race && rec.Vet == m.vet):
			reports[i] = reportFrom(l, rec, fromRecord)
		case m.budget == 0:
			run = append(run, i)
		case rec == nil:
			unrecorded = append(unrecorded, i)
		case rec.Key.Env == keys[i].Env:
			cheap = append(cheap, i)
		default:
			reports[i] = reportFrom(l, rec, fromStale)
			reports[i].StaleWhy = "the Go release, the environment or the dependencies changed"
		}
	}
	// A lab never run whose exercise is as committed has not been started:
	// every committed exercise starts with all its steps to do (verify's
	// TODO rule), so there is no need to build anything to say so.
	if len(unrecorded) > 0 {
		var ls []*Lab
		for _, i := range unrecorded {
			ls = append(ls, labs[i])
		}
		changed, ok := changedExercises(ctx, repo.Root, ls)
		for _, i := range unrecorded {
			if ok && len(changed[labs[i]]) == 0 {
				g, gerr := readGuide(labs[i].Dir)
				reports[i] = evaluate(labs[i], g, gerr, nil)
				reports[i].From = fromCommitted
				continue
			}
			run = append(run, i)
		}
	}
	for _, i := range cheap {
		if est := recs[i].estimate(); spent+est <= m.budget {
			spent += est
			run = append(run, i)
			continue
		}
		reports[i] = reportFrom(labs[i], recs[i], fromStale)
		reports[i].StaleWhy = "its files changed"
	}
	slices.Sort(run)
	if len(run) > 0 {
		var ls []*Lab
		for _, i := range run {
			ls = append(ls, labs[i])
		}
		first := a.firstBuild(repo, in, ls, m.race)
		got, err := a.runExercises(ctx, repo, ls, m, first)
		if err != nil {
			return nil, err
		}
		for j, i := range run {
			reports[i] = got[j].report
			if got[j].rec == nil {
				continue // interrupted before the package finished: nothing to keep
			}
			got[j].rec.Key = keys[i]
			if err := got[j].rec.save(dataDir, labs[i]); err != nil {
				a.errOut.Printf("%s could not keep the result of %s: %v\n", a.errOut.paint(yellow, "warning:"), labs[i].ID, err)
			}
		}
	}
	return reports, nil
}

// reportFrom evaluates a record against the lab's current README.
func reportFrom(l *Lab, rec *record, from string) *LabReport {
	g, gerr := readGuide(l.Dir)
	r := evaluate(l, g, gerr, rec.pkg())
	r.From, r.At, r.Race = from, rec.At, rec.Race
	return r
}

// firstBuild names the chapters of labs in which no lab has been run with
// this toolchain, environment and -race setting: their dependencies are
// probably not built yet, which takes minutes (see the README).
func (a *app) firstBuild(repo *Repo, in *inputs, labs []*Lab, race bool) []string {
	var cold []string
	for _, l := range labs {
		if slices.Contains(cold, l.Chapter) {
			continue
		}
		warm := slices.ContainsFunc(repo.Labs, func(o *Lab) bool {
			h := loadRecordHeader(a.dataDir(repo.Root), o)
			return o.Chapter == l.Chapter && h != nil && h.Key.Env == in.env && h.Race == race
		})
		if !warm {
			cold = append(cold, l.Chapter)
		}
	}
	return cold
}

type ran struct {
	report *LabReport
	rec    *record // nil when the package did not finish
}

// runExercises runs the exercise packages of labs in one `go test` call,
// saying on stderr what it is doing, and returns a report and a record
// per lab.
func (a *app) runExercises(ctx context.Context, repo *Repo, labs []*Lab, m runMode, firstBuild []string) ([]ran, error) {
	race := m.race
	args := testFlags(race, m.vet)
	paths := make([]string, len(labs))
	for i, l := range labs {
		args = append(args, l.ExercisePattern())
		// go test names a package by import path, but by the pattern we
		// gave when the directory holds no Go files at all.
		paths[i] = l.ExercisePattern()
		if ip, err := importPath(repo.Root, l.ExerciseDir()); err == nil {
			paths[i] = ip
		}
	}
	what := plural(len(labs), "lab")
	if len(labs) <= 3 {
		var names []string
		for _, l := range labs {
			names = append(names, repo.ShortName(l))
		}
		what = strings.Join(names, ", ")
	}
	with := ""
	if race {
		with = " with -race"
	}
	testing := "testing " + what + with
	phase := testing
	if len(firstBuild) > 0 {
		phase = fmt.Sprintf("building %s%s (first run only: a few minutes on 2 cores), then %s",
			strings.Join(firstBuild, ", "), with, testing)
	}
	st := a.status(phase)
	defer st.Stop()
	start := a.now()
	building := true
	on := func(res *Result, ev event) {
		if ev.Action == "start" && building {
			building = false
			st.Phase(testing)
		}
		if ev.Test != "" && ev.Action == "run" && !strings.Contains(ev.Test, "/") {
			done := 0
			for _, p := range paths {
				if pk := res.Package(p); pk != nil && pk.Action != "" {
					done++
				}
			}
			msg := ev.Test
			if len(labs) > 1 {
				msg = fmt.Sprintf("%s %s (%d of %d labs done)", shortPkg(repo, labs, paths, ev.Package), ev.Test, done, len(labs))
			}
			st.Detail(msg)
		}
	}
	// LAB_TODO is cleared: this is the learner's view, where a TODO fails.
	env := append(append(workEnv(repo.Root), "LAB_TODO="), a.env...)
	res, _, err := goTest(ctx, repo.Root, env, on, args...)
	if err != nil {
		return nil, err
	}
	out := make([]ran, len(labs))
	for i, l := range labs {
		pkg := res.Package(paths[i])
		g, gerr := readGuide(l.Dir)
		r := evaluate(l, g, gerr, pkg)
		r.From, r.At, r.Race = fromRun, start, race
		out[i].report = r
		if pkg == nil || pkg.Action != "" {
			rec := &record{Version: recordVersion, Lab: l.ID, Race: race, Vet: m.vet, At: start}
			if pkg != nil {
				rec.Package, rec.stream = pkg.Path, res.Stream(pkg)
			}
			out[i].rec = rec
		}
	}
	return out, nil
}

// shortPkg is the lab name for a package path, for the status line.
func shortPkg(repo *Repo, labs []*Lab, paths []string, pkg string) string {
	for i, p := range paths {
		if p == pkg {
			return repo.ShortName(labs[i])
		}
	}
	return filepath.Base(pkg)
}
