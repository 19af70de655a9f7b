// Package quiztest is the quiz drill's suite. The exercise and the
// solution both run it through their one-screen *_test.go files, handing
// it their Answers: every step's answers as one text.
//
// Every question's program is compiled into the test binary and run: the
// answer is compared with what Go actually prints, never with a string
// someone typed. A program that takes its process down (a fatal error)
// runs in a re-executed copy of the test binary. A program whose output
// varies runs many times: every output seen must be one the question
// lists as possible, and the learner must list exactly those.
package quiztest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grpclabs/labs/ch05-interview/quiz/questions"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch05-interview/quiz"

// TestSlices ... TestChannels are the six steps, one subtest per question.
func TestSlices(t *testing.T, answers string)   { testStep(t, 1, answers) }
func TestMaps(t *testing.T, answers string)     { testStep(t, 2, answers) }
func TestDefer(t *testing.T, answers string)    { testStep(t, 3, answers) }
func TestNil(t *testing.T, answers string)      { testStep(t, 4, answers) }
func TestLoops(t *testing.T, answers string)    { testStep(t, 5, answers) }
func TestChannels(t *testing.T, answers string) { testStep(t, 6, answers) }

func testStep(t *testing.T, step int, text string) {
	answers, err := Parse(text)
	if err != nil {
		t.Fatalf("answers.go: %v", err)
	}
	st := labkit.Step{Lab: lab, N: step}
	for _, q := range questions.All {
		if q.Step != step {
			continue
		}
		t.Run(strings.ReplaceAll(q.ID, "/", "_"), func(t *testing.T) {
			answer := answers[q.ID]
			if answer == "" {
				st.Check(t, labkit.TODO(fmt.Sprintf("your answer to %s in answers.go", q.ID)))
			}
			check(t, q, answer)
		})
	}
}

func check(t *testing.T, q questions.Question, answer string) {
	t.Helper()
	if len(q.Possible) > 0 {
		checkPossible(t, q, answer)
		return
	}
	got := outcome(t, q)
	if normalize(answer) != got {
		t.Errorf("%s: you answered\n%s\nbut the program printed\n%s\n(the README's Explanation says why)", q.ID, indent(normalize(answer)), indent(got))
	}
}

// checkPossible runs a program whose output varies many times.
func checkPossible(t *testing.T, q questions.Question, answer string) {
	t.Helper()
	seen := map[string]int{}
	for range 300 {
		seen[outcome(t, q)]++
	}
	for out, n := range seen {
		if !slices.Contains(q.Possible, out) {
			t.Fatalf("%s printed %q (%d of 300 runs), which the question does not list as possible: a bug in the quiz", q.ID, out, n)
		}
	}
	if q.Varies && len(seen) < 2 {
		t.Fatalf("%s printed %q in all 300 runs; Go randomises this choice, so it should vary", q.ID, slices.Collect(maps.Keys(seen)))
	}
	var listed []string
	for _, l := range strings.Split(normalize(answer), "\n") {
		if l != "" && !slices.Contains(listed, l) {
			listed = append(listed, l)
		}
	}
	var missing, wrong []string
	for _, p := range q.Possible {
		if !slices.Contains(listed, p) {
			missing = append(missing, p)
		}
	}
	for _, l := range listed {
		if !slices.Contains(q.Possible, l) {
			wrong = append(wrong, l)
		}
	}
	if len(missing)+len(wrong) > 0 {
		t.Errorf("%s: the output varies from run to run; list every output that can appear, one per line.\n  you listed %q\n  can never appear: %q\n  missing: %d possible output(s)\n  300 runs here printed: %v",
			q.ID, listed, wrong, len(missing), seen)
	}
}

// outcome runs q once: what it printed and, if it crashed, the first line
// of the fatal error. A question that crashes runs as a program of its
// own, cmd/quizrun, exactly as `go run` would run it.
func outcome(t *testing.T, q questions.Question) string {
	t.Helper()
	if !q.Crashes {
		var b bytes.Buffer
		q.Run(&b)
		return normalize(b.String())
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, quizrun(t), q.ID)
	// Two Ps, so that two goroutines really run at once even on one core.
	cmd.Env = append(os.Environ(), "GOMAXPROCS=2")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s ran for 2 minutes without ending", q.ID)
	}
	out := normalize(stdout.String())
	if err == nil {
		return out
	}
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "fatal error: ") || strings.HasPrefix(l, "panic: ") {
			return strings.TrimSpace(out + "\n" + strings.TrimSpace(l))
		}
	}
	t.Fatalf("%s exited with %v and no fatal error:\n%s", q.ID, err, stderr.String())
	return ""
}

// quizrun builds cmd/quizrun, once per test binary. CGO_ENABLED=0: a
// binary that links cgo (this test binary does, through net and -race)
// never reports "all goroutines are asleep", it hangs.
func quizrun(t *testing.T) string {
	t.Helper()
	bin, err := buildQuizrun()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

var buildQuizrun = sync.OnceValues(func() (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	dir, err := os.MkdirTemp("", "quizrun-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "quizrun")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/grpclabs/labs/ch05-interview/cmd/quizrun")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building cmd/quizrun: %v\n%s", err, out)
	}
	built = append(built, dir)
	return bin, nil
})

// built holds the directories buildQuizrun made; Cleanup removes them.
var built []string

// Cleanup removes what the suite built and exits with code: the test
// files hand it to goleak.VerifyTestMain as its goleak.Cleanup.
func Cleanup(code int) {
	for _, d := range built {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// normalize drops trailing spaces on each line and blank lines at the ends.
func normalize(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }

// Parse reads an answers file: a "--- question/id" line starts each
// answer, "#" starts a comment line, and everything else belongs to the
// answer above it.
func Parse(text string) (map[string]string, error) {
	out := map[string]string{}
	var id string
	for n, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "#"):
		case strings.HasPrefix(t, "--- "):
			id = strings.TrimSpace(t[4:])
			if _, ok := questions.ByID(id); !ok {
				return nil, fmt.Errorf("line %d: there is no question %q", n+1, id)
			}
			if _, dup := out[id]; dup {
				return nil, fmt.Errorf("line %d: %s appears twice", n+1, id)
			}
			out[id] = ""
		case id == "":
			if t != "" {
				return nil, fmt.Errorf("line %d: %q comes before the first \"--- question\" line", n+1, t)
			}
		default:
			out[id] += l + "\n"
		}
	}
	for id, a := range out {
		out[id] = normalize(a)
	}
	return out, nil
}
