package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readTwins(t *testing.T) (en, zh string) {
	t.Helper()
	e, err := os.ReadFile(filepath.Join("testdata", "twins", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	z, err := os.ReadFile(filepath.Join("testdata", "twins", zhReadme))
	if err != nil {
		t.Fatal(err)
	}
	return string(e), string(z)
}

// A faithful translation passes, its mermaid diagram translated; each
// kind of drift is caught and said.
func TestTwins(t *testing.T) {
	en, zh := readTwins(t)
	if p := twinProblems(en, zh); len(p) > 0 {
		t.Fatalf("a faithful translation has problems: %q", p)
	}
	if p := twinProblems(strings.ReplaceAll(en, "\n", "\r\n"), zh); len(p) > 0 {
		t.Errorf("CRLF line ends count as drift: %q", p)
	}
	for _, c := range []struct {
		name   string
		en, zh [2]string // replace [0] by [1]
		want   string
	}{
		{"a heading lost", [2]string{}, [2]string{"### 为什么\n\n", ""}, "its headings are # ## ## ## ## ## ##, the English ones # ## ## ## ## ## ### ##"},
		{"a heading's level", [2]string{}, [2]string{"### 为什么", "## 为什么"}, "its headings are"},
		{"a test renamed", [2]string{}, [2]string{"`TestSub2`", "`TestSubtract`"}, "step 2's Tests: line lists `TestSub`, `TestSubtract`, the English one `TestSub`, `TestSub2`"},
		{"a code line lost", [2]string{}, [2]string{"Tests: `TestAdd` · Code: `Add`", "Tests: `TestAdd`"}, "step 1's Code: line lists nothing, the English one `Add`"},
		{"a step lost", [2]string{}, [2]string{"1. **加法。**", "**加法。**"}, "it has 1 steps, the English 2"},
		{"a hint lost", [2]string{}, [2]string{"<details><summary>第 1 步 · 提示 1：运算符</summary>\n\n是 `+`。\n</details>\n", ""}, "it has 1 hints, the English 2"},
		{"a hint for another step", [2]string{}, [2]string{"第 2 步 · 提示 1", "第 1 步 · 提示 2"}, "hint 2 is for step 1, the English one for step 2"},
		{"a code block translated", [2]string{}, [2]string{"return a - b, nil", "return a - b, nil // 减"}, "code block 2 differs from the English one"},
		{"a code block lost", [2]string{}, [2]string{"```sh\ngo run ./scripts/lab check adder\n```\n", ""}, "it has 1 code blocks (mermaid aside), the English 2"},
		{"no link to the English", [2]string{}, [2]string{"[English](README.md)", "English"}, "do not link to README.md"},
		{"no link to the Chinese", [2]string{"[简体中文](README.zh-CN.md)", "简体中文"}, [2]string{}, "README.md's first lines do not link to README.zh-CN.md"},
	} {
		e, z := en, zh
		if c.en[0] != "" {
			e = strings.Replace(e, c.en[0], c.en[1], 1)
		}
		if c.zh[0] != "" {
			if !strings.Contains(z, c.zh[0]) {
				t.Fatalf("%s: the fixture lacks %q", c.name, c.zh[0])
			}
			z = strings.Replace(z, c.zh[0], c.zh[1], 1)
		}
		p := twinProblems(e, z)
		if !strings.Contains(strings.Join(p, "\n"), c.want) {
			t.Errorf("%s: problems %q lack %q", c.name, p, c.want)
		}
	}
}

// The runner reads the Chinese guide's hints, goal and step titles, with
// the English guide's tests.
func TestChineseGuide(t *testing.T) {
	_, zh := readTwins(t)
	g, err := parseGuide(zh)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Steps) != 2 || g.Steps[1].Title != "减法" || g.Steps[1].Tests[1] != "TestSub2" || g.Goal != "做加法和减法。" {
		t.Errorf("steps %+v, goal %q", g.Steps, g.Goal)
	}
	if len(g.Hints) != 2 || g.Hints[1].Step != 2 || g.Hints[1].Title != "第 2 步 · 提示 1：运算符" {
		t.Errorf("hints %+v", g.Hints)
	}
}

// Every guide of the course has its Chinese twin, in step with it:
// verify's phase, runnable alone while translating
// (go test ./scripts/lab -run CourseTwins).
func TestCourseTwins(t *testing.T) {
	root := filepath.Join("..", "..")
	files, err := twins(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Errorf("found %d guides: %q", len(files), files)
	}
	for _, f := range files {
		for _, p := range twinProblemsAt(root, f) {
			t.Error(p)
		}
	}
}
