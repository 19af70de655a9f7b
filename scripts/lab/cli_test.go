package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	addDone = "package exercise\n\nimport \"example.com/ch99-fixture/kit\"\n\n" +
		"func Add(a, b int) (int, error) { return a + b, nil }\n\n" +
		"func Sub(a, b int) (int, error) { return 0, kit.TODO(\"Sub\") }\n"
	allDone = "package exercise\n\nfunc Add(a, b int) (int, error) { return a + b, nil }\n\n" +
		"func Sub(a, b int) (int, error) { return a - b, nil }\n"
)

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	root := fixture(t, nil)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"chek"}, 2, `unknown command "chek"; did you mean "check"?`},
		{[]string{"hint", "addr"}, 2, `unknown lab "addr"; did you mean "adder"?`},
		{[]string{"hint"}, 2, "hint: missing argument"},
		{[]string{"diff", "adder", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"check", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"restore"}, 2, "restore: missing argument"},
		{[]string{"load"}, 2, "load: which command?"},
		{[]string{"check", "-h"}, 0, "usage: go run ./scripts/lab check [lab]"},
		{[]string{"-h"}, 0, "usage: go run ./scripts/lab [command]"},
	}
	for _, c := range cases {
		a, out, errOut := testApp(root)
		if code := run(t, a, c.args...); code != c.code {
			t.Errorf("%q: exit %d, want %d\n%s%s", c.args, code, c.code, out, errOut)
		}
		if got := out.String() + errOut.String(); !strings.Contains(got, c.want) {
			t.Errorf("%q: output lacks %q:\n%s", c.args, c.want, got)
		}
	}

	a, _, errOut := testApp(t.TempDir())
	if code := run(t, a, "check"); code != 1 || !strings.Contains(errOut.String(), "no go.work found") {
		t.Errorf("outside a repository: exit %d, %s", code, errOut)
	}
}

func TestCheckHintAndProgress(t *testing.T) {
	t.Parallel()
	root := fixture(t, map[string]string{"ch99-fixture/adder/exercise/adder.go": addDone})

	a, out, errOut := testApp(root)
	if code := run(t, a, "check", "adder"); code != 0 {
		t.Fatalf("check: exit %d, want 0 (it reported)\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"✓    1. Add two numbers",
		"TODO 2. Subtract",
		"next (step 2): TODO: implement Sub (ch99-fixture/adder/README.md, step 2)",
		"reproduce: go test ",
		"-run " + shellQuote("^TestSub$") + " ./ch99-fixture/adder/exercise",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Errorf("colour codes in plain output:\n%s", out)
	}

	// The last check left step 2 unfinished, so its hint comes first,
	// although the README lists the step 1 hint first.
	hints := []string{"Step 2 · Hint 1", "Step 1 · Hint 1", "all 2 hints for ch99-fixture/adder are revealed"}
	for _, want := range hints {
		a, out, errOut := testApp(root)
		if code := run(t, a, "hint", "adder"); code != 0 || !strings.Contains(out.String(), want) {
			t.Errorf("hint: exit %d, want %q in:\n%s%s", code, want, out, errOut)
		}
	}
	a, out, _ = testApp(root)
	run(t, a, "hint", "--all", "ch99-fixture/adder")
	if s := out.String(); strings.Index(s, "Step 1 · Hint 1") > strings.Index(s, "Step 2 · Hint 1") || !strings.Contains(s, "It is `+`.") {
		t.Errorf("hint --all should list both in README order:\n%s", s)
	}

	// Progress of every lab, and the next command.
	a, out, errOut = testApp(root)
	if code := run(t, a, "--no-color"); code != 0 {
		t.Fatalf("progress: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"ch99-fixture\n", "adder  in progress  1/2 steps  (1/2 tests passing)", "next: go run ./scripts/lab check adder"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckDone(t *testing.T) {
	t.Parallel()
	root := fixture(t, map[string]string{"ch99-fixture/adder/exercise/adder.go": allDone})
	a, out, errOut := testApp(root)
	if code := run(t, a, "check"); code != 0 {
		t.Fatalf("check: exit %d, want 0\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out.String(), "all steps done") {
		t.Errorf("check output:\n%s", out)
	}
	st, err := loadState(filepath.Join(root, ".lab"))
	if err != nil || !st.Labs["ch99-fixture/adder"].Done {
		t.Errorf("state after a done check: %v %+v", err, st.Labs["ch99-fixture/adder"])
	}
}

func TestCheckFailure(t *testing.T) {
	t.Parallel()
	root := fixture(t, map[string]string{"ch99-fixture/adder/exercise/adder.go": strings.Replace(allDone, "a + b", "a * b", 1)})
	a, out, _ := testApp(root)
	if code := run(t, a, "check", "-exit-code", "adder"); code != 1 {
		t.Fatalf("check -exit-code: exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{
		"✗    1. Add two numbers",
		"✓    2. Subtract",
		"✗ TestAdd/small failed (step 1: Add two numbers):",
		"Add(2, 3) = 6, want 5",
		"Add(-2, -3) = 6, want -5",
		shellQuote("^TestAdd$/^small$"),
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	root := fixture(t, map[string]string{"ch99-fixture/adder/exercise/adder.go": addDone})
	a, out, errOut := testApp(root)
	if code := run(t, a, "diff", "adder"); code != 0 {
		t.Fatalf("diff: exit %d\n%s%s", code, out, errOut)
	}
	s := out.String()
	for _, want := range []string{
		"--- exercise/adder.go\n+++ solution/adder.go\n",
		"-import \"example.com/ch99-fixture/kit\"",
		"-func Sub(a, b int) (int, error) { return 0, kit.TODO(\"Sub\") }",
		"+func Sub(a, b int) (int, error) { return a - b, nil }",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("diff lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "-package") || strings.Contains(s, "exercise_test.go") || strings.Contains(s, "+func Add") {
		t.Errorf("diff shows the package line, a test file or an equal line:\n%s", s)
	}
}

func TestWatchStopsOnInterrupt(t *testing.T) {
	t.Parallel()
	root := fixture(t, nil)
	a, out, errOut := testApp(root)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // as if Ctrl-C came at once
	if code := a.main(ctx, []string{"watch", "adder"}); code != 0 {
		t.Errorf("watch: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out.String(), "stopped watching.") {
		t.Errorf("watch output:\n%s", out)
	}
}

func TestSnapshotSeesEdits(t *testing.T) {
	root := fixture(t, nil)
	dir := filepath.Join(root, "ch99-fixture", "adder")
	before := snapshot(dir)
	if err := os.WriteFile(filepath.Join(dir, "exercise", "adder.go"), []byte(allDone), 0o644); err != nil {
		t.Fatal(err)
	}
	if snapshot(dir) == before {
		t.Error("snapshot did not change after an edit")
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	after := snapshot(dir)
	if snapshot(dir) != after {
		t.Error("snapshot changed without an edit")
	}
}

// gitIn runs git in dir with no user or system configuration.
func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=lab", "-c", "user.email=lab@example.com",
		"-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, b)
	}
}

// committedFixture is the fixture as a git repository with one commit, then
// with changes applied on top, uncommitted.
func committedFixture(t *testing.T, committed, changes map[string]string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	root := fixture(t, committed)
	gitIn(t, root, "init", "-q")
	gitIn(t, root, "add", ".")
	gitIn(t, root, "commit", "-q", "-m", "fixture")
	for name, body := range changes {
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(name)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestReset works in a throwaway git repository made for the test.
func TestReset(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	root := fixture(t, nil)
	git := func(args ...string) { gitIn(t, root, args...) }
	ex := filepath.Join(root, "ch99-fixture", "adder", "exercise")

	// Nothing committed yet: reset refuses and touches nothing.
	git("init", "-q")
	a, out, errOut := testApp(root)
	if code := run(t, a, "reset", "adder"); code != 1 || !strings.Contains(errOut.String(), "no committed version") {
		t.Errorf("reset before any commit: exit %d\n%s%s", code, out, errOut)
	}

	git("add", ".")
	git("commit", "-q", "-m", "fixture")
	os.WriteFile(filepath.Join(ex, "adder.go"), []byte(allDone), 0o644)
	os.WriteFile(filepath.Join(ex, "scratch.go"), []byte("package exercise\n"), 0o644)

	a, out, errOut = testApp(root)
	if code := run(t, a, "reset", "adder"); code != 0 {
		t.Fatalf("reset: exit %d\n%s%s", code, out, errOut)
	}
	backup := filepath.Join(root, ".lab", "backup", "ch99-fixture", "adder", "20260102-030405")
	if b, err := os.ReadFile(filepath.Join(backup, "adder.go")); err != nil || string(b) != allDone {
		t.Errorf("backup of adder.go: %v %q", err, b)
	}
	if _, err := os.Stat(filepath.Join(backup, "scratch.go")); err != nil {
		t.Errorf("untracked file not backed up: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(ex, "adder.go")); !strings.Contains(string(b), "kit.TODO") {
		t.Errorf("adder.go not restored:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(ex, "scratch.go")); err == nil {
		t.Error("untracked scratch.go survived the reset")
	}
	if !strings.Contains(out.String(), ".lab/backup/ch99-fixture/adder/20260102-030405") {
		t.Errorf("reset does not say where the backup is:\n%s", out)
	}

	// restore undoes the reset, after backing up what it replaces.
	a, out, errOut = testApp(root)
	a.now = func() time.Time { return time.Date(2026, 1, 2, 3, 5, 0, 0, time.UTC) }
	if code := run(t, a, "restore", "adder"); code != 0 {
		t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(ex, "adder.go")); string(b) != allDone {
		t.Errorf("adder.go after restore:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(ex, "scratch.go")); err != nil {
		t.Errorf("scratch.go not restored: %v", err)
	}
	for _, want := range []string{"saved in .lab/backup/ch99-fixture/adder/20260102-030500", "restored from .lab/backup/ch99-fixture/adder/20260102-030405"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("restore output lacks %q:\n%s", want, out)
		}
	}
	a, out, _ = testApp(root)
	if code := run(t, a, "restore", "adder", "-list"); code != 0 || out.String() != "20260102-030405\n20260102-030500\n" {
		t.Errorf("restore -list: exit %d\n%s", code, out)
	}
	a, out, errOut = testApp(root)
	if code := run(t, a, "restore", "adder", "19990101-000000"); code != 2 || !strings.Contains(errOut.String(), "has no backup") {
		t.Errorf("restore of a missing backup: exit %d\n%s%s", code, out, errOut)
	}
}

// killedOnWrite stands for stdout once `| head -1` has exited: the first
// write kills the process (SIGPIPE), here a panic the test recovers.
type killedOnWrite struct{}

func (killedOnWrite) Write([]byte) (int, error) { panic("killed by SIGPIPE") }

// A hint is recorded before it is printed: output cut short never makes
// the next call show the same hint again.
func TestHintRecordedBeforePrinting(t *testing.T) {
	t.Parallel()
	root := fixture(t, nil)
	a, _, _ := testApp(root)
	a.out.W = killedOnWrite{}
	func() {
		defer func() { recover() }()
		run(t, a, "hint", "adder")
	}()
	a, out, errOut := testApp(root)
	if code := run(t, a, "hint", "adder"); code != 0 || !strings.Contains(out.String(), "Hint 2 of 2") {
		t.Errorf("second hint: exit %d\n%s%s", code, out, errOut)
	}
}

// When a step is TODO and a later one fails, check shows the TODO (the
// step to work on) and names the failure; once done, it names the next lab.
func TestCheckNextStepAndNextLab(t *testing.T) {
	t.Parallel()
	root := fixture(t, map[string]string{"ch99-fixture/adder/exercise/adder.go": "package exercise\n\n" +
		"import \"example.com/ch99-fixture/kit\"\n\n" +
		"func Add(a, b int) (int, error) { return 0, kit.TODO(\"Add\") }\n\n" +
		"func Sub(a, b int) (int, error) { return a + b, nil }\n"})
	a, out, errOut := testApp(root)
	if code := run(t, a, "check", "adder"); code != 0 {
		t.Fatalf("check: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"next (step 1): TODO: implement Add", "also: TestSub fails too (step 2)",
		"reproduce: go test " /* ... */, "-run " + shellQuote("^TestAdd$")} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	os.WriteFile(filepath.Join(root, "ch99-fixture", "adder", "exercise", "adder.go"), []byte(allDone), 0o644)
	a, out, errOut = testApp(root)
	if code := run(t, a, "check", "-exit-code", "adder"); code != 0 ||
		!strings.Contains(out.String(), "✓ all steps done. next: go run ./scripts/lab verify") {
		t.Errorf("done: exit %d\n%s%s", code, out, errOut)
	}
}

// Ctrl-C during a check is one plain line, not a context error.
func TestCheckInterrupted(t *testing.T) {
	t.Parallel()
	root := fixture(t, map[string]string{"ch99-fixture/adder/exercise/adder.go": addDone})
	a, out, errOut := testApp(root)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if code := a.main(ctx, []string{"check", "adder"}); code != 130 || !strings.HasSuffix(errOut.String(), "lab: interrupted\n") {
		t.Errorf("interrupted check: exit %d\n%s%s", code, out, errOut)
	}
}

// catchup gives the exercise the solution's code for steps 1..N only,
// backs the learner's work up first, and ends with check; restore undoes it.
func TestCatchupCommand(t *testing.T) {
	t.Parallel()
	mine := "package exercise\n\nimport \"example.com/ch99-fixture/kit\"\n\n" +
		"func Add(a, b int) (int, error) { return 0, kit.TODO(\"Add\") }\n\n" +
		"// Sub is the learner's own try.\nfunc Sub(a, b int) (int, error) { return b - a, nil }\n"
	root := fixture(t, map[string]string{"ch99-fixture/adder/exercise/adder.go": mine})
	ex := filepath.Join(root, "ch99-fixture", "adder", "exercise", "adder.go")
	a, out, errOut := testApp(root)
	if code := run(t, a, "catchup", "adder", "1"); code != 0 {
		t.Fatalf("catchup: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"your exercise is saved in .lab/backup/ch99-fixture/adder/20260102-030405",
		"ch99-fixture/adder caught up to step 1",
		"1. Add two numbers: Add (adder.go)",
		"undo: go run ./scripts/lab restore adder",
		"✓    1. Add two numbers",
		"✗    2. Subtract", // the learner's own Sub, kept as it was
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("catchup output lacks %q:\n%s", want, out)
		}
	}
	b, _ := os.ReadFile(ex)
	if !strings.Contains(string(b), "return a + b, nil") || !strings.Contains(string(b), "// Sub is the learner's own try.\nfunc Sub(a, b int) (int, error) { return b - a, nil }") {
		t.Errorf("exercise after catchup 1:\n%s", b)
	}
	if strings.Contains(string(b), "kit.") {
		t.Errorf("the kit import is left with nothing using it:\n%s", b)
	}

	a, out, errOut = testApp(root)
	a.now = func() time.Time { return time.Date(2026, 1, 2, 3, 5, 0, 0, time.UTC) }
	if code := run(t, a, "restore", "adder"); code != 0 {
		t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
	}
	if b, _ := os.ReadFile(ex); string(b) != mine {
		t.Errorf("restore did not undo the catchup:\n%s", b)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"catchup", "adder"}, "catchup: missing argument"},
		{[]string{"catchup", "adder", "3"}, "the step is a number from 1 to 2"},
		{[]string{"catchup", "adder", "two"}, "the step is a number from 1 to 2"},
	} {
		a, out, errOut := testApp(root)
		if code := run(t, a, c.args...); code != 2 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%q: exit %d, want 2 and %q\n%s%s", c.args, code, c.want, out, errOut)
		}
	}
}

// adderZH is the fixture lab's Chinese guide, a faithful twin.
const adderZH = `# adder

[English](README.md)

原文：第五章（一个测试用的实验）。时间：约 10 分钟。难度：★☆☆。

## 目标

做加法和减法。

## 步骤

1. **两数相加。** 写 ` + "`Add`" + `。

   Tests: ` + "`TestAdd`" + ` · Code: ` + "`Add`" + `

2. **相减。** 写 ` + "`Sub`" + `。

   Tests: ` + "`TestSub`" + ` · Code: ` + "`Sub`" + `

## 提示

<details><summary>第 1 步 · 提示 1：运算符</summary>

是 ` + "`+`" + `。
</details>

<details><summary>第 2 步 · 提示 1：运算符</summary>

是 ` + "`-`" + `。
</details>
`

// In Chinese the runner says its own words in Chinese and takes step
// titles and hints from README.zh-CN.md; without one, the hints are the
// English ones, and it says so once.
func TestChineseRunner(t *testing.T) {
	t.Parallel()
	root := fixture(t, map[string]string{"ch99-fixture/adder/exercise/adder.go": addDone, "ch99-fixture/adder/" + zhReadme: ""})
	zhApp := func() (*app, *bytes.Buffer, *bytes.Buffer) {
		a, out, errOut := testApp(root)
		a.out.Lang, a.errOut.Lang = langZH, langZH
		return a, out, errOut
	}
	// No Chinese guide yet: English hints, said once.
	a, out, errOut := zhApp()
	if code := run(t, a, "hint", "adder", "--all"); code != 0 {
		t.Fatalf("hint: exit %d\n%s%s", code, out, errOut)
	}
	a, out, _ = zhApp()
	run(t, a, "hint", "adder")
	if s := out.String(); strings.Count(s, "还没有中文版说明") != 1 || !strings.Contains(s, "提示 1/2 · Step 1 · Hint 1: the operator") || !strings.Contains(s, "It is `+`.") {
		t.Errorf("hint without a Chinese guide:\n%s", s)
	}

	if err := os.WriteFile(filepath.Join(root, "ch99-fixture", "adder", zhReadme), []byte(adderZH), 0o644); err != nil {
		t.Fatal(err)
	}
	a, out, _ = zhApp()
	run(t, a, "hint", "adder", "--all")
	if s := out.String(); !strings.Contains(s, "提示 1/2 · 第 1 步 · 提示 1：运算符\n是 `+`。") || strings.Contains(s, "还没有中文版说明") {
		t.Errorf("hint --all with a Chinese guide:\n%s", s)
	}
	a, out, errOut = zhApp()
	if code := run(t, a, "check", "adder"); code != 0 {
		t.Fatalf("check: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"✓    1. 两数相加", "TODO 2. 相减", "下一步（第 2 步）：TODO: implement Sub", "复现：go test "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check in Chinese lacks %q:\n%s", want, out)
		}
	}
	a, out, _ = zhApp()
	run(t, a)
	if s := out.String(); !strings.Contains(s, "adder  进行中") || !strings.Contains(s, "1/2 步") || !strings.Contains(s, "下一步：go run ./scripts/lab check adder") {
		t.Errorf("progress in Chinese:\n%s", s)
	}
	a, out, errOut = zhApp()
	if code := run(t, a, "chek"); code != 2 || !strings.Contains(errOut.String(), `没有 "chek" 这个命令；你是不是想输入 "check"？`) {
		t.Errorf("a typo in Chinese: exit %d\n%s%s", code, out, errOut)
	}
}
