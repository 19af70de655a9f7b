package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const (
	exercisePkg = "example.com/ch99-fixture/adder/exercise"
	solutionPkg = "example.com/ch99-fixture/adder/solution"
)

// verifyFixture runs verify over a changed copy of the fixture workspace.
func verifyFixture(t *testing.T, changes map[string]string, codegen []string, race bool) (bool, string) {
	t.Helper()
	root := fixture(t, changes)
	repo, err := openRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(repo.Labs) != 1 || repo.Labs[0].ID != "ch99-fixture/adder" {
		t.Fatalf("fixture labs = %+v", repo.Labs)
	}
	var out bytes.Buffer
	v := &Verifier{
		Root: root, Out: &Out{W: &out}, Labs: repo.Labs, Modules: repo.Modules,
		Codegen: codegen, Env: fixtureEnv(), Race: race, NoRace: "switched off by the test", Catchup: true,
	}
	if race {
		v.Race, v.NoRace = raceSupport(context.Background())
	}
	ok := v.Run(context.Background())
	return ok, out.String()
}

var closingRe = regexp.MustCompile(`(?m)\A(?s:.*)\n(\d+) passed, (\d+) failed, (\d+) skipped\n\z`)

func TestVerifyHappyPath(t *testing.T) {
	t.Parallel()
	ok, out := verifyFixture(t, nil, []string{"go", "run", "./ch99-fixture/cmd/codegen"}, true)
	if !ok {
		t.Fatalf("verify failed on the untouched fixture:\n%s", out)
	}
	// Solution: TestAdd and its 2 subtests and TestSub pass. Exercise in CI
	// mode: the 2 Add subtests and TestSub skip, TestAdd itself passes.
	// Catchup: to step 1 and to step 2.
	if !strings.HasSuffix(out, "\n8 passed, 0 failed, 3 skipped\n") {
		t.Errorf("closing line is not \"8 passed, 0 failed, 3 skipped\":\n%s", out)
	}
	for _, want := range []string{"== 1/7 go vet", "== 5/7 catchup reaches every step", "== 6/7 the Chinese guides match", "== 7/7 codegen drift", "codegen: 1 chapters up to date"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestVerifyCatches(t *testing.T) {
	t.Parallel()
	gen := []string{"go", "run", "./ch99-fixture/cmd/codegen"}
	cases := []struct {
		name    string
		changes map[string]string
		codegen []string
		race    bool
		want    []string
	}{{
		name: "solved exercise",
		changes: map[string]string{"ch99-fixture/adder/exercise/adder.go": "package exercise\n\n" +
			"func Add(a, b int) (int, error) { return a + b, nil }\n\nfunc Sub(a, b int) (int, error) { return a - b, nil }\n"},
		codegen: gen, race: true,
		want: []string{"exercise is already solved or has no TODO: " + exercisePkg},
	}, {
		name: "broken solution",
		changes: map[string]string{"ch99-fixture/adder/solution/adder.go": "package solution\n\n" +
			"func Add(a, b int) (int, error) { return a + b + 1, nil }\n\nfunc Sub(a, b int) (int, error) { return a - b, nil }\n"},
		codegen: gen, race: true,
		want: []string{"FAIL " + solutionPkg + " TestAdd", "Add(2, 3) = 6, want 5"},
	}, {
		name: "goroutine leak",
		changes: map[string]string{"ch99-fixture/adder/solution/adder.go": "package solution\n\n" +
			"var never = make(chan int)\n\n" +
			"func Add(a, b int) (int, error) { go func() { <-never }(); return a + b, nil }\n\n" +
			"func Sub(a, b int) (int, error) { return a - b, nil }\n"},
		codegen: gen, race: true,
		want: []string{solutionPkg + ": goroutine leak", "found unexpected goroutines"},
	}, {
		// Step 1's code on step 2's line and back: catchup to 1 writes Sub.
		name: "catchup misses",
		changes: map[string]string{"ch99-fixture/adder/README.md": strings.NewReplacer("Code: `Add`", "Code: `Sub`", "Code: `Sub`", "Code: `Add`").
			Replace(readTxtarFile("ch99-fixture/adder/README.md"))},
		codegen: gen,
		want: []string{"catchup ch99-fixture/adder 1: step 1 (Add two numbers) is todo, not done",
			"step 2 (Subtract) passes already: its code must live in functions of its own"},
	}, {
		name: "catchup cannot work",
		changes: map[string]string{"ch99-fixture/adder/README.md": strings.Replace(readTxtarFile("ch99-fixture/adder/README.md"),
			"Code: `Sub`", "Code: `Sub`, `Mul`", 1)},
		codegen: gen,
		want: []string{"ch99-fixture/adder: catchup cannot work:",
			"step 2 lists Mul on its Code: line, which exercise/ does not declare",
			"step 2 lists Mul on its Code: line, which solution/ does not declare"},
	}, {
		name:    "Chinese guide drifts",
		changes: map[string]string{"ch99-fixture/adder/README.zh-CN.md": "# adder\n\n[English](README.md)\n\n## 目标\n\n加和减。\n"},
		codegen: gen,
		want:    []string{"ch99-fixture/adder/README.zh-CN.md has drifted from README.md:", "it has 0 steps, the English 2"},
	}, {
		name:    "a guide without its Chinese twin",
		changes: map[string]string{"ch99-fixture/adder/README.zh-CN.md": ""},
		codegen: gen,
		want:    []string{"ch99-fixture/adder/README.md has no Chinese twin README.zh-CN.md yet"},
	}, {
		name:    "codegen drift",
		codegen: append(gen, "-drift"),
		race:    false, // also shows the notice printed without -race
		want: []string{"NOTICE: running WITHOUT -race", "FAIL generated code differs",
			"codegen: drift: ch99-fixture/gen/adder/v1/adder.pb.go (changed)"},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ok, out := verifyFixture(t, c.changes, c.codegen, c.race)
			if ok {
				t.Errorf("verify passed; it should have failed:\n%s", out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			m := closingRe.FindStringSubmatch(out)
			if m == nil || m[2] == "0" {
				t.Errorf("closing line missing or counts no failure:\n%s", out)
			}
		})
	}
}

const fixtureCodegen = "go run ./ch99-fixture/cmd/codegen"

// verify in a learner's clone: the exercises the learner changed (solved,
// or with a new file that does not even build) are checked as committed,
// their own work is shown as progress (here it does not build), and the
// tree is left as it was.
func TestVerifyChecksExercisesAsCommitted(t *testing.T) {
	t.Parallel()
	helper := "ch99-fixture/adder/exercise/helper.go"
	root := committedFixture(t, nil, map[string]string{
		"ch99-fixture/adder/exercise/adder.go": allDone,
		helper:                                 "package exercise\n\nfunc half( {\n",
	})
	a, out, errOut := testApp(root)
	a.codegen = strings.Fields(fixtureCodegen)
	if code := run(t, a, "verify"); code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errOut)
	}
	s := out.String()
	for _, want := range []string{
		"note: you changed 1 exercise (adder): verify checks the exercises as committed",
		"== your exercises (progress, not counted)\nch99-fixture\n  adder  build fails",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if !strings.HasSuffix(s, "\n8 passed, 0 failed, 3 skipped\n") {
		t.Errorf("counts differ from a clean tree's:\n%s", s)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "ch99-fixture", "adder", "exercise", "adder.go")); string(b) != allDone {
		t.Errorf("verify changed the learner's file:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(helper))); err != nil {
		t.Errorf("verify removed the learner's new file: %v", err)
	}
}

// Two labs whose exercises the learner changed, with files of the same
// name: the catchup phase gives each its own caught-up files (it once
// named them by a count that the committed versions' overlay had already
// used, and one lab's file stood in for the other's).
func TestVerifyCatchupTwoChangedLabs(t *testing.T) {
	t.Parallel()
	// adder2 is adder under another name; adder's files also declare Two,
	// which its test uses, so adder2's file in place of adder's fails.
	two := "\n// Two is adder's own.\nfunc Two() int { return 2 }\n"
	files := readTxtar(t, filepath.Join("testdata", "verify", "fixture.txtar"))
	committed := map[string]string{}
	for name, body := range files {
		if rest, ok := strings.CutPrefix(name, "ch99-fixture/adder/"); ok {
			committed["ch99-fixture/adder2/"+rest] = strings.ReplaceAll(body, "ch99-fixture/adder/", "ch99-fixture/adder2/")
		}
	}
	for _, side := range []string{"exercise", "solution"} {
		name := "ch99-fixture/adder/" + side + "/adder.go"
		committed[name] = files[name] + two
		test := "ch99-fixture/adder/" + side + "/" + side + "_test.go"
		committed[test] = files[test] + "\nvar _ = " + side + ".Two\n"
	}
	root := committedFixture(t, committed, map[string]string{
		"ch99-fixture/adder/exercise/adder.go":  allDone + two,
		"ch99-fixture/adder2/exercise/adder.go": allDone,
	})
	a, out, errOut := testApp(root)
	a.codegen = strings.Fields(fixtureCodegen)
	if code := run(t, a, "verify"); code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errOut)
	}
	if s := out.String(); !strings.Contains(s, "catchup to every step of 2 labs gives exactly those steps") {
		t.Errorf("output:\n%s", s)
	}
}

// On a clean tree nothing changes: a solved exercise that is committed
// (shipped solved) still fails the TODO rule.
func TestVerifyCommittedSolvedExerciseFails(t *testing.T) {
	t.Parallel()
	root := committedFixture(t, map[string]string{"ch99-fixture/adder/exercise/adder.go": allDone}, nil)
	a, out, errOut := testApp(root)
	a.codegen = strings.Fields(fixtureCodegen)
	if code := run(t, a, "verify"); code != 1 {
		t.Fatalf("verify: exit %d, want 1\n%s%s", code, out, errOut)
	}
	s := out.String()
	if !strings.Contains(s, "exercise is already solved or has no TODO: "+exercisePkg) || strings.Contains(s, "note: you changed") {
		t.Errorf("output:\n%s", s)
	}
}

// Ctrl-C stops verify at the next phase and says so, instead of running
// the rest into failures.
func TestVerifyInterrupted(t *testing.T) {
	t.Parallel()
	root := fixture(t, nil)
	repo, err := openRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	v := &Verifier{Root: root, Out: &Out{W: &out}, Labs: repo.Labs, Modules: repo.Modules, Env: fixtureEnv()}
	cancel()
	if v.Run(ctx) {
		t.Fatal("an interrupted verify passed")
	}
	if s := out.String(); !strings.Contains(s, "INTERRUPTED: the run was interrupted") || strings.Contains(s, "== 2/7") {
		t.Errorf("output:\n%s", s)
	}
}

// verify -load passes on the fixture with every core busy.
func TestVerifyLoad(t *testing.T) {
	root := fixture(t, nil)
	a, out, errOut := testApp(root)
	a.codegen = strings.Fields(fixtureCodegen)
	if code := run(t, a, "verify", "-load"); code != 0 {
		t.Fatalf("verify -load: exit %d\n%s%s", code, out, errOut)
	}
	if s := out.String(); !strings.Contains(s, "busy while verify runs every test afresh") || !strings.HasSuffix(s, "\n8 passed, 0 failed, 3 skipped\n") {
		t.Errorf("output:\n%s", s)
	}
}

// readTxtarFile is one file of the fixture workspace, for a test to change.
func readTxtarFile(name string) string {
	files := map[string]string{}
	b, _ := os.ReadFile(filepath.Join("testdata", "verify", "fixture.txtar"))
	cur := ""
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if s := strings.TrimSpace(l); strings.HasPrefix(s, "-- ") && strings.HasSuffix(s, " --") {
			cur = strings.TrimSpace(s[3 : len(s)-3])
			continue
		}
		if cur != "" {
			files[cur] += l
		}
	}
	return files[name]
}
