package main

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/format"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The catchup phase of verify proves, for every lab and every step N,
// that catchup on the exercise as committed makes exactly steps 1..N pass
// (and later steps still TODO), and that a learner's work on later steps
// survives it. It runs one `go test` per N over every lab that has an
// N-th step, in CI mode (a TODO is a skip) and without -race: a run that
// passes is cached by go test, so a warm verify replays it.

// catchupLab is what the phase knows about one lab.
type catchupLab struct {
	lab     *Lab
	guide   *Guide
	ex, sol *srcPkg
	path    string // the exercise's import path
}

func (v *Verifier) catchupPhase(ctx context.Context) {
	var labs []*catchupLab
	maxN, bad := 0, 0
	for _, l := range v.Labs {
		cl, problems := v.lintLab(l)
		if len(problems) > 0 {
			bad++
			v.fail("catchup "+l.Name, fmt.Sprintf("%s: catchup cannot work:\n  %s", l.ID, strings.Join(problems, "\n  ")))
			continue
		}
		labs = append(labs, cl)
		maxN = max(maxN, len(cl.guide.Steps))
	}
	before := v.counts.fail
	for n := 1; n <= maxN && ctx.Err() == nil; n++ {
		v.catchupRun(ctx, labs, n)
	}
	if v.counts.fail == before && bad == 0 {
		v.ok(fmt.Sprintf("catchup to every step of %s gives exactly those steps", plural(len(labs), "lab")))
	}
}

// lintLab reads a lab for catchup and checks what needs no go test: every
// function returning the TODO signal belongs to a step, every name on a
// Code: line exists on both sides, and catchup to each step keeps a
// learner's work on the later ones.
func (v *Verifier) lintLab(l *Lab) (*catchupLab, []string) {
	g, gerr := readGuide(l.Dir)
	if gerr != nil {
		return nil, strings.Split(gerr.Error(), "\n")
	}
	ex, err := v.committedSrc(l.ExerciseDir())
	if err != nil {
		return nil, []string{err.Error()}
	}
	sol, err := readSrc(l.SolutionDir(), nil)
	if err != nil {
		return nil, []string{err.Error()}
	}
	ip, err := importPath(v.Root, l.ExerciseDir())
	if err != nil {
		return nil, []string{err.Error()}
	}
	problems := lintCatchup(g, ex, sol)
	if len(problems) == 0 {
		for n := 1; n < len(g.Steps); n++ {
			problems = append(problems, keepsLaterWork(ex, sol, g.Steps, n)...)
		}
	}
	return &catchupLab{lab: l, guide: g, ex: ex, sol: sol, path: ip}, problems
}

// lintCatchup checks a lab's Code: lines against its exercise and solution.
func lintCatchup(g *Guide, ex, sol *srcPkg) []string {
	var problems []string
	listed := map[string]int{}
	for _, s := range g.Steps {
		for _, c := range s.Code {
			listed[c] = s.N
			if ex.decls[c] == nil {
				problems = append(problems, fmt.Sprintf("step %d lists %s on its Code: line, which exercise/ does not declare", s.N, c))
			}
			if sol.decls[c] == nil {
				problems = append(problems, fmt.Sprintf("step %d lists %s on its Code: line, which solution/ does not declare", s.N, c))
			}
		}
	}
	if len(listed) == 0 {
		return append(problems, "no step of README.md has a Code: line naming the functions it writes (see CONTRIBUTING.md)")
	}
	todo, stray := todoFuncs(ex)
	for _, f := range todo {
		// A helper only the exercise has (one that builds stand-ins) is
		// scaffolding: catchup leaves it, and nothing calls it any more.
		if listed[f] == 0 && sol.decls[f] != nil {
			problems = append(problems, fmt.Sprintf("%s returns labkit.TODO, but no step lists it on its Code: line", f))
		}
	}
	for _, at := range stray {
		problems = append(problems, fmt.Sprintf("labkit.TODO outside a function (exercise/%s): catchup can only replace declarations", at))
	}
	return problems
}

// keepsLaterWork plays a learner who has worked on every step after n:
// each of those functions gets a line of their own. Catchup to n must
// leave every one of them, and a helper of the learner's, as they were.
func keepsLaterWork(ex, sol *srcPkg, steps []StepDef, n int) []string {
	const mark = "// the learner's own work"
	files := map[string][]byte{}
	for name, b := range ex.files {
		files[name] = b
	}
	var marked []string
	at := map[string][]int{} // file → where the marks go
	for _, s := range steps[n:] {
		for _, c := range s.Code {
			d := ex.decls[c]
			if fd, ok := d.node.(*ast.FuncDecl); ok && fd.Body != nil {
				marked = append(marked, c)
				at[d.file] = append(at[d.file], ex.fset.Position(fd.Body.Lbrace).Offset+1)
			}
		}
	}
	for file, offsets := range at {
		slices.Sort(offsets)
		src := files[file]
		for _, o := range slices.Backward(offsets) { // from the end, so offsets stay valid
			src = slices.Concat(src[:o], []byte("\n"+mark+"\n"), src[o:])
		}
		files[file] = src
	}
	first := sortedKeys(files)[0]
	files[first] = append(files[first], []byte("\n// learnersHelper is not in the solution.\nfunc learnersHelper() int { return 1 }\n")...)
	for name, b := range files {
		if f, err := format.Source(b); err == nil {
			files[name] = f
		}
	}
	learner, err := parseSrc("exercise", files)
	if err != nil {
		return []string{"the learner's copy made for the check does not parse: " + err.Error()}
	}
	res, err := catchup(learner, sol, steps[:n])
	if err != nil {
		return []string{fmt.Sprintf("catchup to step %d: %v", n, err)}
	}
	after := map[string][]byte{}
	for name, b := range learner.files {
		after[name] = b
	}
	for name, b := range res.files {
		after[name] = b
	}
	got, err := parseSrc("exercise", after)
	if err != nil {
		return []string{fmt.Sprintf("catchup to step %d writes code that does not parse: %v", n, err)}
	}
	var problems []string
	for _, c := range append(marked, "learnersHelper") {
		want, have := learner.decls[c], got.decls[c]
		if have == nil || string(learner.text(want, true)) != string(got.text(have, true)) {
			problems = append(problems, fmt.Sprintf("catchup to step %d changes %s, which belongs to a later step or to the learner", n, c))
		}
	}
	return problems
}

// committedSrc reads a package directory as committed: files the learner
// changed come from the committed overlay.
func (v *Verifier) committedSrc(dir string) (*srcPkg, error) {
	files := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	names := map[string]bool{}
	for _, e := range entries {
		if e.Type().IsRegular() {
			names[e.Name()] = true
		}
	}
	for p := range v.committed {
		if filepath.Dir(p) == dir {
			names[filepath.Base(p)] = true
		}
	}
	for name := range names {
		if !isSource(name) {
			continue
		}
		p := filepath.Join(dir, name)
		from, ok := v.committed[p]
		if ok && from == "" {
			continue // not in the commit
		}
		if !ok {
			from = p
		}
		b, err := os.ReadFile(from)
		if err != nil {
			return nil, err
		}
		files[name] = b
	}
	return parseSrc(filepath.Base(filepath.Dir(dir))+"/"+filepath.Base(dir), files)
}

// catchupRun runs every lab with an n-th step, caught up to n, in one go
// test, and checks that exactly steps 1..n pass.
func (v *Verifier) catchupRun(ctx context.Context, labs []*catchupLab, n int) {
	tmp, err := os.MkdirTemp("", "lab-catchup-")
	if err != nil {
		v.fail("catchup", err.Error())
		return
	}
	defer os.RemoveAll(tmp)
	replace := map[string]string{}
	for p, from := range v.committed {
		replace[p] = from
	}
	var run []*catchupLab
	var pkgs []string
	files := 0
	for _, cl := range labs {
		if len(cl.guide.Steps) < n {
			continue
		}
		res, err := catchup(cl.ex, cl.sol, cl.guide.Steps[:n])
		if err != nil {
			v.fail("catchup "+cl.lab.Name, fmt.Sprintf("%s: catchup to step %d: %v", cl.lab.ID, n, err))
			continue
		}
		for _, name := range res.order {
			// A name of its own for each file: replace may already hold
			// this path (the exercise as committed), so its size is no
			// counter.
			files++
			backing := filepath.Join(tmp, fmt.Sprintf("%d-%s", files, name))
			if err := os.WriteFile(backing, res.files[name], 0o644); err != nil {
				v.fail("catchup", err.Error())
				return
			}
			replace[filepath.Join(cl.lab.ExerciseDir(), name)] = backing
		}
		run = append(run, cl)
		pkgs = append(pkgs, cl.lab.ExercisePattern())
	}
	if len(run) == 0 {
		return
	}
	ov := filepath.Join(tmp, "overlay.json")
	b, _ := json.Marshal(map[string]any{"Replace": replace})
	if err := os.WriteFile(ov, b, 0o644); err != nil {
		v.fail("catchup", err.Error())
		return
	}
	args := []string{"-timeout=5m", "-vet=off", "-overlay=" + ov}
	if v.Fresh {
		args = append(args, "-count=1")
	}
	res, _, err := goTest(ctx, v.Root, append(v.env(), "LAB_TODO=skip"), nil, append(args, pkgs...)...)
	if err != nil {
		v.fail(fmt.Sprintf("catchup to step %d", n), err.Error())
		return
	}
	for _, cl := range run {
		if problem := caughtUp(cl, n, res.Package(cl.path)); problem != "" {
			v.fail(fmt.Sprintf("catchup %s %d", cl.lab.Name, n), fmt.Sprintf("catchup %s %d: %s", cl.lab.ID, n, problem))
			continue
		}
		v.counts.pass++
	}
}

// caughtUp says what is wrong with a lab caught up to step n, or "".
func caughtUp(cl *catchupLab, n int, pkg *Package) string {
	if pkg == nil {
		return "go test said nothing about the exercise"
	}
	r := evaluate(cl.lab, cl.guide, nil, pkg)
	if r.Problem != "" {
		return fmt.Sprintf("%s:\n%s", r.Problem, strings.Join(pkg.ProblemOutput(), ""))
	}
	var wrong []string
	for _, s := range r.Steps {
		def := stepDef(cl.guide, s.N)
		switch {
		case s.N == 0:
			if s.Status == stFailing {
				wrong = append(wrong, "tests no step lists fail")
			}
		case s.N <= n && s.Status != stDone:
			wrong = append(wrong, fmt.Sprintf("step %d (%s) is %s, not done%s", s.N, s.Title, s.Status, firstOutput(pkg, s.Tests)))
		case s.N > n && s.Status == stFailing:
			wrong = append(wrong, fmt.Sprintf("step %d (%s) fails instead of saying TODO%s", s.N, s.Title, firstOutput(pkg, s.Tests)))
		case s.N > n && len(def.Code) > 0 && s.Status == stDone:
			wrong = append(wrong, fmt.Sprintf("step %d (%s) passes already: its code must live in functions of its own, listed on its Code: line", s.N, s.Title))
		}
	}
	return strings.Join(wrong, "\n  ")
}

func stepDef(g *Guide, n int) StepDef {
	for _, s := range g.Steps {
		if s.N == n {
			return s
		}
	}
	return StepDef{}
}

// firstOutput is the output of the first test of tests that did not pass,
// indented, to say why.
func firstOutput(p *Package, tests []string) string {
	for _, name := range tests {
		if o := p.Outcome(name); o == Fail || o == TODO {
			leaf := p.FirstLeafFailure(name)
			return ":\n" + indent(strings.TrimRight(strings.Join(p.Output(leaf), ""), "\n"), "    ")
		}
	}
	return ""
}
