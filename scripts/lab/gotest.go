package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// event is one line of `go test -json` (see `go doc test2json`). Build
// output arrives before the package starts, keyed by ImportPath.
type event struct {
	Action      string
	Package     string
	Test        string
	Output      string
	FailedBuild string
	ImportPath  string
}

// Outcome is what became of one test, or of a whole step.
type Outcome int

const (
	NotRun Outcome = iota // never started, or started and never finished
	Pass                  // passed
	Skip                  // skipped for a reason other than a TODO
	TODO                  // failed or skipped only because of the TODO signal
	Fail                  // a real failure: wrong value, panic, race, leak, timeout
)

func (o Outcome) String() string {
	return [...]string{"not run", "pass", "skip", "todo", "fail"}[o]
}

// todoMarker is what labkit's TODO messages contain.
const todoMarker = "TODO: implement"

// realFailureMarkers are lines that make a failure real even when a TODO
// message is also present: the TODO did not cause them.
var realFailureMarkers = []string{
	"panic: ",
	"WARNING: DATA RACE",
	"race detected during execution of test",
	"test timed out after",
}

// Result is everything one `go test -json` run said, per package.
type Result struct {
	Packages []*Package
	byPath   map[string]*Package
	build    map[string][]string // build output by the ImportPath of the failed build
	buildRaw map[string][]string // the same, as the JSON lines go test printed
	// Stray holds stdout lines that were not JSON (rare: some go command errors).
	Stray []string
}

// Package is the story of one package: its tests and its own output.
type Package struct {
	Path        string
	Action      string // "pass", "fail", "skip"; "" if the stream ended early
	FailedBuild string // the build that failed, if the package could not be tested
	BuildOutput []string
	Tests       []*Test // in the order they started
	tests       map[string]*Test
	lines       []line   // all output in order, tagged by test
	raw         []string // the package's JSON lines as go test printed them
	started     bool     // the test binary started: building is over
}

// Test is one test or subtest; Name is the full slash path.
type Test struct {
	Name   string
	Action string // "pass", "fail", "skip"; "" if it never finished
}

type line struct {
	test string
	text string
}

// ParseTestJSON reads a `go test -json` stream. It keeps going past lines it
// cannot decode, so a stray message never hides the rest of the results.
func ParseTestJSON(r io.Reader) (*Result, error) {
	res := newResult()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		res.feed(sc.Bytes())
	}
	return res, sc.Err()
}

func newResult() *Result {
	return &Result{byPath: map[string]*Package{}, build: map[string][]string{}, buildRaw: map[string][]string{}}
}

// feed adds one line of the stream and returns its event (ok false for a
// line that is not an event).
func (r *Result) feed(raw []byte) (ev event, ok bool) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return ev, false
	}
	if raw[0] != '{' || json.Unmarshal(raw, &ev) != nil {
		r.Stray = append(r.Stray, string(raw))
		return ev, false
	}
	r.add(ev, string(raw))
	return ev, true
}

// Stream is what go test printed about one package, build output first:
// replaying it through ParseTestJSON gives the same Package back. The
// runner stores it as the lab's last result.
func (r *Result) Stream(p *Package) []string {
	var lines []string
	if p.FailedBuild != "" {
		lines = append(lines, r.buildRaw[p.FailedBuild]...)
	}
	return append(lines, p.raw...)
}

func (r *Result) pkg(path string) *Package {
	p, ok := r.byPath[path]
	if !ok {
		p = &Package{Path: path, tests: map[string]*Test{}}
		r.byPath[path] = p
		r.Packages = append(r.Packages, p)
	}
	return p
}

func (r *Result) add(ev event, raw string) {
	switch ev.Action {
	case "build-output":
		r.build[ev.ImportPath] = append(r.build[ev.ImportPath], ev.Output)
		r.buildRaw[ev.ImportPath] = append(r.buildRaw[ev.ImportPath], raw)
		return
	case "build-fail":
		r.buildRaw[ev.ImportPath] = append(r.buildRaw[ev.ImportPath], raw)
		return
	}
	if ev.Package == "" {
		return
	}
	p := r.pkg(ev.Package)
	p.raw = append(p.raw, raw)
	if ev.Action == "start" {
		p.started = true
	}
	if ev.Test == "" {
		switch ev.Action {
		case "output":
			p.lines = append(p.lines, line{"", ev.Output})
		case "pass", "fail", "skip":
			p.Action = ev.Action
			if ev.FailedBuild != "" {
				p.FailedBuild = ev.FailedBuild
				p.BuildOutput = r.build[ev.FailedBuild]
			}
		}
		return
	}
	t := p.tests[ev.Test]
	if t == nil {
		t = &Test{Name: ev.Test}
		p.tests[ev.Test] = t
		p.Tests = append(p.Tests, t)
	}
	switch ev.Action {
	case "output":
		p.lines = append(p.lines, line{ev.Test, ev.Output})
	case "pass", "fail", "skip":
		t.Action = ev.Action
	}
}

// Package returns the named package, or nil.
func (r *Result) Package(path string) *Package { return r.byPath[path] }

// Test returns the named test, or nil.
func (p *Package) Test(name string) *Test { return p.tests[name] }

// within reports whether test is name itself or one of its subtests.
func within(test, name string) bool {
	return test == name || strings.HasPrefix(test, name+"/")
}

// Output returns the output of a test and all its subtests, in order,
// without the "=== RUN"-style framing lines that only add noise.
func (p *Package) Output(name string) []string {
	var out []string
	for _, l := range p.lines {
		if within(l.test, name) && !framing(l.text) {
			out = append(out, l.text)
		}
	}
	return out
}

// PackageOutput returns what the package printed outside any test, e.g. a
// goleak report from TestMain, without the PASS/FAIL summary lines.
func (p *Package) PackageOutput() []string {
	var out []string
	for _, l := range p.lines {
		if l.test != "" {
			continue
		}
		s := strings.TrimRight(l.text, "\n")
		if s == "PASS" || s == "FAIL" || strings.HasPrefix(s, "ok  \t") ||
			strings.HasPrefix(s, "FAIL\t") || strings.HasPrefix(s, "?   \t") ||
			strings.HasPrefix(s, "testing: warning: no tests to run") {
			continue
		}
		out = append(out, l.text)
	}
	return out
}

func framing(s string) bool {
	for _, p := range []string{"=== RUN", "=== PAUSE", "=== CONT", "=== NAME"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// Outcome classifies one test, looking at its subtests too: a parent fails
// when a child fails, and that is a TODO only if every failing child is.
func (p *Package) Outcome(name string) Outcome {
	t := p.tests[name]
	if t == nil {
		return NotRun
	}
	out := p.Output(name)
	hasTODO, real := false, false
	for _, s := range out {
		if strings.Contains(s, todoMarker) {
			hasTODO = true
		}
		for _, m := range realFailureMarkers {
			if strings.Contains(s, m) {
				real = true
			}
		}
	}
	switch t.Action {
	case "pass":
		return Pass
	case "skip":
		if hasTODO {
			return TODO
		}
		return Skip
	case "fail":
		if !hasTODO || real {
			return Fail
		}
		for _, c := range p.Tests {
			if strings.HasPrefix(c.Name, name+"/") && c.Action == "fail" && p.Outcome(c.Name) == Fail {
				return Fail
			}
		}
		return TODO
	}
	// Started but never finished: the binary died (panic, timeout) or was killed.
	if p.Action == "fail" {
		return Fail
	}
	return NotRun
}

// Problem describes a package-level failure that no test explains: a build
// error, a goleak report from TestMain, a crash outside any test. It
// returns "" when the package is fine or when a failing test says it all.
func (p *Package) Problem() string {
	if p.FailedBuild != "" {
		return "build failed"
	}
	if p.Action != "fail" {
		return ""
	}
	for _, t := range p.Tests {
		if t.Action == "fail" || p.Outcome(t.Name) == Fail {
			return "" // the failing tests explain it (a TODO failure included)
		}
	}
	text := strings.Join(p.PackageOutput(), "")
	switch {
	case strings.Contains(text, "goleak"):
		return "goroutine leak (goleak, after all tests)"
	case strings.Contains(text, "WARNING: DATA RACE"):
		return "data race outside any test"
	case strings.Contains(text, "panic: "):
		return "panic outside any test"
	}
	return "package failed"
}

// ProblemOutput is the text to show for [Package.Problem].
func (p *Package) ProblemOutput() []string {
	if p.FailedBuild != "" {
		return p.BuildOutput
	}
	return p.PackageOutput()
}

// FirstLeafFailure returns the deepest failing test under name, which is
// the most precise thing to re-run; name itself if no subtest failed.
func (p *Package) FirstLeafFailure(name string) string {
	best := name
	for _, t := range p.Tests {
		if strings.HasPrefix(t.Name, best+"/") && t.Action == "fail" {
			best = t.Name
		}
	}
	return best
}

// goTest runs `go test -json args...` in dir with env added, and parses what
// it prints. A non-zero exit is normal (tests failed); an error is returned
// only when go itself could not run or printed no results at all. When on
// is not nil it sees every event as it arrives, for a progress line.
func goTest(ctx context.Context, dir string, env []string, on func(*Result, event), args ...string) (*Result, string, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"test", "-json"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	gentle(cmd)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("could not run go test: %w", err)
	}
	res := newResult()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		if ev, ok := res.feed(sc.Bytes()); ok && on != nil {
			on(res, ev)
		}
	}
	scanErr := sc.Err()
	if scanErr != nil {
		io.Copy(io.Discard, stdout) // let go test finish rather than block on a full pipe
	}
	runErr := cmd.Wait()
	if scanErr != nil {
		return nil, stderr.String(), scanErr
	}
	var exit *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exit) {
		return res, stderr.String(), fmt.Errorf("could not run go test: %w", runErr)
	}
	if ctx.Err() != nil {
		return res, stderr.String(), ctx.Err()
	}
	if runErr != nil && len(res.Packages) == 0 {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = runErr.Error()
		}
		return res, stderr.String(), fmt.Errorf("go test failed before running any test:\n%s", msg)
	}
	return res, stderr.String(), nil
}

// gentle makes a cancelled command stop the way Ctrl-C stops it: go test
// then stops the test binaries and compilers it started, where a kill would
// leave them running. Windows has no interrupt to send, so it kills.
func gentle(cmd *exec.Cmd) {
	cmd.Cancel = func() error {
		if runtime.GOOS == "windows" {
			return cmd.Process.Kill()
		}
		return cmd.Process.Signal(os.Interrupt)
	}
	cmd.WaitDelay = 10 * time.Second
}
