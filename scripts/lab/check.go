package main

import (
	"bufio"

	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Step statuses, as shown and as stored in state.json.
const (
	stDone    = "done"
	stTODO    = "todo"
	stFailing = "failing"
	stNotRun  = "not run"
)

// LabReport is one lab's exercise results grouped by README step.
type LabReport struct {
	Lab      *Lab
	Guide    *Guide
	GuideErr error    // problems in the README; the report is still usable
	Pkg      *Package // nil when go test said nothing about the exercise
	Steps    []StepReport
	Problem  string // a package-level failure no step explains (build, leak)
	Done     bool

	From     string    // fromRun, fromRecord, fromStale or fromCommitted
	At       time.Time // when the tests ran (zero if they never did)
	Race     bool      // they ran with -race
	StaleWhy string    // for fromStale: what changed since
}

// StepReport is one step's tests and their combined status.
type StepReport struct {
	N      int
	Title  string
	Tests  []string
	Status string
}

// evaluate groups a package's results by the README's steps. Tests that no
// step lists are gathered in an extra "other tests" step so that no
// failure is ever hidden; without any steps, each test is its own line.
func evaluate(lab *Lab, g *Guide, gerr error, pkg *Package) *LabReport {
	r := &LabReport{Lab: lab, Guide: g, GuideErr: gerr, Pkg: pkg}
	for _, s := range g.Steps {
		r.Steps = append(r.Steps, StepReport{N: s.N, Title: s.Title, Tests: s.Tests})
	}
	if pkg != nil {
		var other []string
		for _, t := range pkg.Tests {
			if !strings.Contains(t.Name, "/") && !g.claims(t.Name) {
				other = append(other, t.Name)
			}
		}
		if len(g.Steps) == 0 {
			for i, name := range other {
				r.Steps = append(r.Steps, StepReport{N: i + 1, Title: name, Tests: []string{name}})
			}
		} else if len(other) > 0 {
			r.Steps = append(r.Steps, StepReport{Title: "other tests (not listed in README Steps)", Tests: other})
		}
		r.Problem = pkg.Problem()
	}
	r.Done = pkg != nil && pkg.Action == "pass" && r.Problem == "" && len(r.Steps) > 0
	for i := range r.Steps {
		r.Steps[i].Status = r.stepStatus(r.Steps[i].Tests)
		if r.Steps[i].Status != stDone {
			r.Done = false
		}
	}
	return r
}

func (r *LabReport) stepStatus(tests []string) string {
	if r.Pkg == nil {
		return stNotRun
	}
	if r.Pkg.FailedBuild != "" {
		return stFailing
	}
	todo, notRun := false, len(tests) == 0
	for _, name := range tests {
		switch r.Pkg.Outcome(name) {
		case Fail:
			return stFailing
		case TODO:
			todo = true
		case NotRun:
			notRun = true
		}
	}
	switch {
	case todo:
		return stTODO
	case notRun:
		return stNotRun
	}
	return stDone
}

// StepsDone counts the steps that are done (the "other tests" line aside).
func (r *LabReport) StepsDone() (done, total int) {
	for _, s := range r.Steps {
		if s.N == 0 {
			continue
		}
		total++
		if s.Status == stDone {
			done++
		}
	}
	return done, total
}

// TestsPassing counts the top-level tests that passed, of those that ran.
func (r *LabReport) TestsPassing() (pass, total int) {
	if r.Pkg == nil {
		return 0, 0
	}
	for _, t := range r.Pkg.Tests {
		if strings.Contains(t.Name, "/") {
			continue
		}
		total++
		if t.Action == "pass" {
			pass++
		}
	}
	return pass, total
}

// Progress is a one-word summary: done, in progress or not started.
func (r *LabReport) Progress() string {
	if r.Done {
		return "done"
	}
	if r.Pkg != nil && r.Pkg.FailedBuild != "" {
		return "build fails"
	}
	for _, s := range r.Steps {
		if s.Status == stDone || s.Status == stFailing {
			return "in progress"
		}
	}
	return "not started"
}

// remember stores the report as the lab's last result.
func (r *LabReport) remember(st *State) {
	ls := st.Lab(r.Lab.ID)
	ls.Checked, ls.Done, ls.Steps = r.At, r.Done, nil
	for _, s := range r.Steps {
		ls.Steps = append(ls.Steps, StepState{N: s.N, Title: s.Title, Status: s.Status})
	}
}

// testFlags are the flags of a learner's run. check runs go vet's test
// checks as plain go test does; the progress view leaves them out (a
// quarter of a warm run's time) and -race too.
func testFlags(race, vet bool) []string {
	flags := []string{"-timeout=2m"}
	if race {
		flags = append(flags, "-race")
	}
	if !vet {
		flags = append(flags, "-vet=off")
	}
	return flags
}

// workEnv pins child go commands to this workspace, whatever GOWORK the
// learner's shell has.
func workEnv(root string) []string {
	return []string{"GOWORK=" + filepath.Join(root, "go.work")}
}

// importPath derives a directory's import path from the nearest go.mod.
func importPath(root, dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if mp, err := modulePath(filepath.Join(d, "go.mod")); err == nil {
			rel, _ := filepath.Rel(d, dir)
			if rel == "." {
				return mp, nil
			}
			return mp + "/" + filepath.ToSlash(rel), nil
		}
		if d == root || filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}

var moduleRe = regexp.MustCompile(`(?m)^module\s+"?([^\s"]+)"?`)

func modulePath(gomod string) (string, error) {
	b, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	m := moduleRe.FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("%s has no module line", gomod)
	}
	return string(m[1]), nil
}

// printCheck shows one line per step, then the first unfinished step in
// full (its failure, or its TODO), then the command that reproduces it.
// next is the command to run once the lab is done.
func printCheck(o *Out, r *LabReport, race bool, next string) {
	o.Printf("%s\n", o.paint(bold, r.Lab.ID))
	if r.GuideErr != nil {
		o.Printf("%s README problems (tell the lab's author):\n%s\n", o.paint(yellow, "warning:"), indent(r.GuideErr.Error(), "  "))
	}
	for _, s := range r.Steps {
		n := "  "
		if s.N > 0 {
			n = fmt.Sprintf("%d.", s.N)
		}
		var mark string
		switch s.Status {
		case stDone:
			mark = o.paint(green, "✓   ")
		case stTODO:
			mark = o.paint(yellow, "TODO")
		case stFailing:
			mark = o.paint(red, "✗   ")
		default:
			mark = o.paint(dim, "-   ")
		}
		line := fmt.Sprintf("  %s %s %s", mark, n, s.Title)
		if s.Status == stNotRun {
			line += o.paint(dim, " (not run)")
		}
		o.Println(line)
	}
	if r.Pkg == nil {
		o.Printf("\ngo test reported nothing for %s\n", r.Lab.ExercisePattern())
		return
	}
	if r.Done {
		o.Printf("\n%s all steps done. next: %s\n", o.paint(green, "✓"), o.paint(cyan, next))
		return
	}
	test, text, title, also := r.firstFailure()
	o.Println()
	o.Printf("%s\n", o.paint(bold, title))
	if len(text) > 0 {
		o.Printf("%s", strings.Join(text, ""))
		if !strings.HasSuffix(text[len(text)-1], "\n") {
			o.Println()
		}
	}
	for _, s := range also {
		o.Printf("%s %s\n", o.paint(dim, "also:"), s)
	}
	o.Printf("\nreproduce: %s\n", reproduce(r.Lab, test, race))
}

// firstFailure picks what to show: a build failure, else the first step
// not done in README order (its first real failure, or its TODO), else a
// package-level problem. also lists, one line each, the later failures
// it leaves out.
func (r *LabReport) firstFailure() (test string, text []string, title string, also []string) {
	p := r.Pkg
	if p.FailedBuild != "" {
		return "", p.BuildOutput, "✗ the exercise does not build:", nil
	}
	found := false
	for _, s := range r.Steps {
		step := "other tests"
		if s.N > 0 {
			step = fmt.Sprintf("step %d", s.N)
		}
		switch s.Status {
		case stFailing:
			for _, name := range s.Tests {
				if p.Outcome(name) != Fail {
					continue
				}
				leaf := p.FirstLeafFailure(name)
				if found {
					also = append(also, fmt.Sprintf("%s fails too (%s)", leaf, step))
					break
				}
				found = true
				test, text, title = leaf, p.Output(name), fmt.Sprintf("✗ %s failed (%s: %s):", leaf, step, s.Title)
				break
			}
		case stTODO:
			if found {
				continue
			}
			for _, name := range s.Tests {
				if p.Outcome(name) != TODO {
					continue
				}
				for _, l := range p.Output(name) {
					if i := strings.Index(l, todoMarker); i >= 0 && !found {
						found = true
						test, title = name, fmt.Sprintf("next (%s): %s", step, strings.TrimSpace(l[i:]))
					}
				}
			}
		}
	}
	if r.Problem != "" {
		if found {
			return test, text, title, append(also, r.Problem)
		}
		return "", p.ProblemOutput(), fmt.Sprintf("✗ %s:", r.Problem), also
	}
	if found {
		return test, text, title, also
	}
	return "", p.PackageOutput(), "the exercise did not pass:", also
}

// reproduce is the exact go test command for one test (or the package),
// quoted for the learner's shell.
func reproduce(l *Lab, test string, race bool) string {
	cmd := "go test"
	if race {
		cmd += " -race"
	}
	if test != "" {
		cmd += " -run " + shellQuote(runPattern(test))
	}
	return cmd + " " + l.ExercisePattern()
}

// runPattern anchors every level of a test path: TestX/sub → ^TestX$/^sub$.
func runPattern(test string) string {
	parts := strings.Split(test, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// shellQuote quotes for sh-like shells, and with double quotes on Windows,
// which cmd.exe and PowerShell both accept for a run pattern.
func shellQuote(s string) string {
	if runtime.GOOS == "windows" {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func indent(s, prefix string) string {
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		b.WriteString(prefix + sc.Text() + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// nextLab is where the learner should be: the first lab in progress (some
// steps done or failing), else the first lab not done, skipping skip. It
// reads the state, which every check and progress view updates. nil when
// every lab is done.
func nextLab(repo *Repo, st *State, skip *Lab) *Lab {
	var first *Lab
	for _, l := range repo.Labs {
		ls := st.Labs[l.ID]
		if l == skip || ls != nil && ls.Done {
			continue
		}
		if ls != nil && slices.ContainsFunc(ls.Steps, func(s StepState) bool { return s.Status == stDone || s.Status == stFailing }) {
			return l
		}
		if first == nil {
			first = l
		}
	}
	return first
}

// nextCommand is the command for nextLab, or verify when all are done.
func nextCommand(repo *Repo, st *State, skip *Lab) string {
	if l := nextLab(repo, st, skip); l != nil {
		return "go run ./scripts/lab check " + repo.ShortName(l)
	}
	return "go run ./scripts/lab verify"
}
