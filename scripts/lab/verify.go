package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Verifier runs what CI runs. Its fields are the seams the tests use: a
// fixture workspace as Root, and a stand-in for the codegen check.
type Verifier struct {
	Root string
	Out  *Out
	// Labs are the labs whose exercise packages run in CI mode.
	Labs []*Lab
	// Modules are the workspace's `use` directories, relative to Root.
	Modules []string
	// Codegen is the drift check, run in Root; it exits non-zero on drift.
	// Empty skips the phase.
	Codegen []string
	// Env is added to every child's environment (tests add GOFLAGS).
	Env []string
	// Race is whether -race can be used, and why not.
	Race   bool
	NoRace string
	// Overlay is a -overlay file for every go command: how verify checks
	// the exercises as committed while the learner's own are in the tree.
	Overlay string
	// Fresh runs every test even when go test has a cached result (-count=1):
	// what a run under load needs, or it would only replay old results.
	Fresh bool
	// Yours, when set, reports the learner's own exercises just before the
	// closing line; they are not counted.
	Yours   func(ctx context.Context)
	counts  tally
	failed  []string // one line per failed phase, for the closing summary
	phaseNo int
}

type tally struct{ pass, fail, skip int }

const phases = 5

// defaultCodegen is the repository's own drift check.
var defaultCodegen = []string{"go", "run", "./scripts/codegen", "-check"}

// cmdVerify runs every phase and ends with "N passed, N failed, N skipped".
func cmdVerify(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("verify", "[-load]", "Run what CI runs, in order: go vet on every module; every non-exercise\n"+
		"package with -race; every exercise in CI mode (LAB_TODO=skip, -race); the\n"+
		"rule that each exercise still has a TODO; the codegen drift check.\n"+
		"Exercises you changed are left out: verify checks them as committed (the\n"+
		"go command sees git's version through -overlay; your files stay as they\n"+
		"are) and shows your own as progress at the end.\n"+
		"Ends with \"N passed, N failed, N skipped\" and exits 1 if anything failed.")
	load := fs.Bool("load", false, "keep every core busy while verify runs: nothing may flake on a loaded machine")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	repo, st, err := a.open()
	if err != nil {
		return err
	}
	race, why := raceSupport(ctx)
	v := &Verifier{
		Root: repo.Root, Out: a.out, Labs: repo.Labs, Modules: repo.Modules,
		Codegen: defaultCodegen, Race: race, NoRace: why, Env: a.env,
	}
	if a.codegen != nil {
		v.Codegen = a.codegen
	}
	if changed, ok := changedExercises(ctx, repo.Root, repo.Labs); ok && len(changed) > 0 {
		var files []string
		var yours []*Lab
		for _, l := range repo.Labs {
			if len(changed[l]) > 0 {
				files = append(files, changed[l]...)
				yours = append(yours, l)
			}
		}
		ov, err := committedOverlay(ctx, repo.Root, files)
		if err != nil {
			return fmt.Errorf("cannot set your exercises aside: %w", err)
		}
		defer ov.Close()
		v.Overlay = ov.File
		var names []string
		for _, l := range yours {
			names = append(names, repo.ShortName(l))
		}
		a.out.Printf("%s you changed %s: verify checks the exercises as committed (your files stay as they are) and shows yours at the end.\n",
			a.out.paint(cyan, "note:"), plural(len(yours), "exercise")+" ("+strings.Join(names, ", ")+")")
		v.Yours = func(ctx context.Context) {
			reports, err := a.reports(ctx, repo, yours, runMode{})
			if err != nil {
				a.out.Printf("%s %v\n", a.out.paint(yellow, "your exercises:"), err)
				return
			}
			for _, r := range reports {
				r.remember(st)
			}
			a.saveState(repo, st)
			a.out.Printf("\n%s\n", a.out.paint(bold, "== your exercises (progress, not counted)"))
			printProgress(a.out, repo, reports)
		}
	}
	if *load {
		h := startHog(runtime.NumCPU(), hogLimit)
		defer h.Stop()
		v.Fresh = true
		a.out.Printf("%s keeping %s busy while verify runs every test afresh (at most %s)\n", a.out.paint(cyan, "load:"), plural(runtime.NumCPU(), "core"), hogLimit)
	}
	if !v.Run(ctx) {
		return exitError{1}
	}
	return nil
}

// Run runs every phase, even after a failure, so one run shows everything
// that is wrong. It reports whether all passed.
func (v *Verifier) Run(ctx context.Context) bool {
	o := v.Out
	if !v.Race {
		o.Printf("%s\n\n", o.paint(yellow, "NOTICE: running WITHOUT -race ("+v.NoRace+"); data races will not be caught here, but CI will catch them."))
	}
	var patterns []string
	for _, m := range v.Modules {
		patterns = append(patterns, "./"+m+"/...")
	}

	v.phase("go vet", strings.Join(patterns, " "))
	if out, err := v.goCmd(ctx, nil, append(append([]string{"vet"}, v.overlayFlag()...), patterns...)...); err != nil {
		v.fail("go vet", "go vet reported problems:\n"+out)
	} else {
		v.ok("vet clean")
	}

	pkgs, err := v.listPackages(ctx, patterns)
	if err != nil {
		v.fail("listing packages", err.Error())
	}
	var others, exercises, labExercises []string
	for _, p := range pkgs {
		switch lab := v.exerciseOf(p.dir); {
		case lab == nil:
			others = append(others, p.path)
		default:
			exercises = append(exercises, p.path)
			if p.dir == lab.ExerciseDir() {
				labExercises = append(labExercises, p.path)
			}
		}
	}

	if ctx.Err() != nil {
		return v.interrupted()
	}
	v.phase("solutions, suites and tools"+v.raceNote(), plural(len(others), "package"))
	if len(others) > 0 {
		v.testPhase(ctx, "solutions", []string{"LAB_TODO="}, others)
	}

	if ctx.Err() != nil {
		return v.interrupted()
	}
	v.phase("exercises in CI mode (LAB_TODO=skip)"+v.raceNote(), plural(len(exercises), "package"))
	var exRes *Result
	if len(exercises) > 0 {
		exRes = v.testPhase(ctx, "exercises", []string{"LAB_TODO=skip"}, exercises)
	}

	if ctx.Err() != nil {
		return v.interrupted()
	}
	v.phase("every exercise has a TODO", plural(len(labExercises), "lab"))
	bad := 0
	for _, p := range labExercises {
		if hasTODOSkip(exRes, p) {
			continue
		}
		bad++
		why := "in CI mode at least one test must skip with \"TODO: implement ...\"; a stub must return labkit.TODO." +
			" If you committed your own solution: verify checks exercises as committed"
		if exRes == nil || exRes.Package(p) == nil || exRes.Package(p).FailedBuild != "" {
			why = "it did not build or run, see phase 3"
		}
		v.fail("TODO rule", "exercise is already solved or has no TODO: "+p+"\n  ("+why+")")
	}
	if bad == 0 {
		v.ok("each exercise still has work to do")
	}

	if ctx.Err() != nil {
		return v.interrupted()
	}
	v.phase("codegen drift", strings.Join(v.Codegen, " "))
	if len(v.Codegen) == 0 {
		v.ok("skipped: no codegen check configured")
	} else if out, err := v.run(ctx, nil, v.Codegen[0], v.Codegen[1:]...); err != nil {
		v.fail("codegen", "generated code differs from what the .proto files produce ("+err.Error()+"):\n"+out)
	} else {
		v.ok(strings.TrimSpace(lastLine(out)))
	}

	if ctx.Err() != nil {
		return v.interrupted()
	}
	if v.Yours != nil {
		v.Yours(ctx)
	}
	o.Println()
	if len(v.failed) > 0 {
		o.Printf("%s %s\n", o.paint(red, "FAILED:"), strings.Join(v.failed, "; "))
	}
	// The closing line stays plain, for people and for scripts.
	fmt.Fprintf(o.W, "%d passed, %d failed, %d skipped\n", v.counts.pass, v.counts.fail, v.counts.skip)
	return v.counts.fail == 0
}

// interrupted ends a run cut short by Ctrl-C: the phases left would only
// fail, so it says so instead and reports failure.
func (v *Verifier) interrupted() bool {
	v.Out.Printf("\n%s the run was interrupted; nothing after this point ran.\n", v.Out.paint(red, "INTERRUPTED:"))
	return false
}

func (v *Verifier) raceNote() string {
	if v.Race {
		return " with -race"
	}
	return " (without -race)"
}

func (v *Verifier) phase(title, detail string) {
	v.phaseNo++
	v.Out.Printf("\n%s %s\n", v.Out.paint(bold, fmt.Sprintf("== %d/%d %s", v.phaseNo, phases, title)), v.Out.paint(dim, detail))
}

func (v *Verifier) ok(msg string) { v.Out.Printf("%s %s\n", v.Out.paint(green, "ok"), msg) }

// fail counts one failure and prints it in full.
func (v *Verifier) fail(what, msg string) {
	v.counts.fail++
	v.failed = append(v.failed, what)
	v.Out.Printf("%s %s\n", v.Out.paint(red, "FAIL"), strings.TrimRight(msg, "\n"))
}

// testPhase runs `go test -json` over pkgs, counts every test and subtest,
// and prints each failure once: a failing top-level test with its subtests'
// output, or a package-level problem (build error, goleak report, crash).
func (v *Verifier) testPhase(ctx context.Context, name string, env, pkgs []string) *Result {
	args := append([]string{"-timeout=5m"}, v.overlayFlag()...)
	if v.Race {
		args = append(args, "-race")
	}
	if v.Fresh {
		args = append(args, "-count=1")
	}
	res, stderr, err := goTest(ctx, v.Root, append(v.env(), env...), nil, append(args, pkgs...)...)
	if err != nil {
		v.fail(name, err.Error())
		return res
	}
	before := v.counts.fail
	for _, p := range res.Packages {
		for _, t := range p.Tests {
			switch t.Action {
			case "pass":
				v.counts.pass++
			case "skip":
				v.counts.skip++
			default: // failed, or never finished (timeout, crash)
				v.counts.fail++
			}
		}
		for _, t := range p.Tests {
			if !strings.Contains(t.Name, "/") && t.Action != "pass" && t.Action != "skip" {
				v.failed = append(v.failed, p.Path+" "+t.Name)
				v.Out.Printf("%s %s %s\n%s", v.Out.paint(red, "FAIL"), p.Path, t.Name, strings.Join(p.Output(t.Name), ""))
			}
		}
		if prob := p.Problem(); prob != "" {
			v.fail(p.Path, fmt.Sprintf("%s: %s\n%s", p.Path, prob, strings.Join(p.ProblemOutput(), "")))
		}
	}
	if len(res.Stray) > 0 && v.counts.fail > before {
		v.Out.Printf("%s\n", strings.Join(res.Stray, "\n"))
	}
	if v.counts.fail > before && strings.TrimSpace(stderr) != "" {
		v.Out.Printf("%s\n", strings.TrimSpace(stderr))
	}
	if v.counts.fail == before {
		v.ok(plural(len(res.Packages), "package"))
	}
	return res
}

// hasTODOSkip reports whether the package skipped at least one test with a
// TODO message: proof that the exercise still has work in it.
func hasTODOSkip(res *Result, pkg string) bool {
	if res == nil {
		return false
	}
	p := res.Package(pkg)
	if p == nil {
		return false
	}
	for _, t := range p.Tests {
		if t.Action == "skip" && p.Outcome(t.Name) == TODO {
			return true
		}
	}
	return false
}

type listed struct{ path, dir string }

// listPackages lists every package of the modules with its directory.
func (v *Verifier) listPackages(ctx context.Context, patterns []string) ([]listed, error) {
	out, err := v.goCmd(ctx, nil, append(append([]string{"list", "-e", "-f", "{{.ImportPath}}\t{{.Dir}}"}, v.overlayFlag()...), patterns...)...)
	if err != nil {
		return nil, fmt.Errorf("go list failed:\n%s", out)
	}
	var pkgs []listed
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		path, dir, ok := strings.Cut(l, "\t")
		if ok {
			pkgs = append(pkgs, listed{path, filepath.Clean(dir)})
		}
	}
	return pkgs, nil
}

// exerciseOf returns the lab whose exercise directory holds dir, if any.
func (v *Verifier) exerciseOf(dir string) *Lab {
	for _, l := range v.Labs {
		ex := l.ExerciseDir()
		if dir == ex || strings.HasPrefix(dir, ex+string(filepath.Separator)) {
			return l
		}
	}
	return nil
}

func (v *Verifier) env() []string { return append(workEnv(v.Root), v.Env...) }

func (v *Verifier) overlayFlag() []string {
	if v.Overlay == "" {
		return nil
	}
	return []string{"-overlay=" + v.Overlay}
}

func (v *Verifier) goCmd(ctx context.Context, env []string, args ...string) (string, error) {
	return v.run(ctx, env, "go", args...)
}

// run runs a command in Root and returns its combined output.
func (v *Verifier) run(ctx context.Context, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = v.Root
	cmd.Env = append(append(os.Environ(), v.env()...), env...)
	gentle(cmd)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
