package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// The Chinese guides are written after the English ones, by translators,
// and must not drift from them: every README.zh-CN.md has the same
// headings (levels, in order), the same Steps with the same Tests: and
// Code: lines, the same hints (how many, and for which step), and
// byte-identical code blocks as the README.md beside it. Mermaid diagrams
// are exempt: their labels may be translated. The two link to each other
// at the top.

// twinProblems compares a Chinese guide with its English twin.
func twinProblems(en, zh string) []string {
	en, zh = strings.ReplaceAll(en, "\r\n", "\n"), strings.ReplaceAll(zh, "\r\n", "\n")
	var problems []string
	if eh, zh := headings(en), headings(zh); !slices.Equal(eh, zh) {
		problems = append(problems, fmt.Sprintf("its headings are %s, the English ones %s (same levels, in the same order)",
			strings.Join(zh, " "), strings.Join(eh, " ")))
	}
	eg, _ := parseGuide(en)
	zg, _ := parseGuide(zh)
	if len(eg.Steps) != len(zg.Steps) {
		problems = append(problems, fmt.Sprintf("it has %d steps, the English %d", len(zg.Steps), len(eg.Steps)))
	}
	for i := range min(len(eg.Steps), len(zg.Steps)) {
		e, z := eg.Steps[i], zg.Steps[i]
		if !slices.Equal(e.Tests, z.Tests) {
			problems = append(problems, fmt.Sprintf("step %d's Tests: line lists %s, the English one %s", e.N, backticked(z.Tests), backticked(e.Tests)))
		}
		if !slices.Equal(e.Code, z.Code) {
			problems = append(problems, fmt.Sprintf("step %d's Code: line lists %s, the English one %s", e.N, backticked(z.Code), backticked(e.Code)))
		}
	}
	if len(eg.Hints) != len(zg.Hints) {
		problems = append(problems, fmt.Sprintf("it has %d hints, the English %d", len(zg.Hints), len(eg.Hints)))
	} else {
		for i := range eg.Hints {
			if eg.Hints[i].Step != zg.Hints[i].Step {
				problems = append(problems, fmt.Sprintf("hint %d is for step %d, the English one for step %d (\"第 N 步 · 提示 K\" in the summary)",
					i+1, zg.Hints[i].Step, eg.Hints[i].Step))
			}
		}
	}
	ec, zc := codeBlocks(en), codeBlocks(zh)
	if len(ec) != len(zc) {
		problems = append(problems, fmt.Sprintf("it has %d code blocks (mermaid aside), the English %d", len(zc), len(ec)))
	} else {
		for i := range ec {
			if ec[i] != zc[i] {
				problems = append(problems, fmt.Sprintf("code block %d differs from the English one (code stays byte for byte as it is; translate the prose around it):\n%s",
					i+1, indent(firstDiff(ec[i], zc[i]), "    ")))
			}
		}
	}
	if !linksTo(zh, "README.md") {
		problems = append(problems, "its first lines do not link to README.md, its English twin")
	}
	if !linksTo(en, zhReadme) {
		problems = append(problems, "README.md's first lines do not link to "+zhReadme)
	}
	return problems
}

var headingRe = regexp.MustCompile(`^(#{1,6})\s`)

// headings lists the heading levels outside code fences: "#", "##", ...
func headings(text string) []string {
	var out []string
	fence := false
	for _, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = !fence
			continue
		}
		if m := headingRe.FindStringSubmatch(l); m != nil && !fence {
			out = append(out, m[1])
		}
	}
	return out
}

// codeBlocks lists the fenced blocks, fences included, leading indentation
// removed (a block in a list item is indented); mermaid blocks are left out.
func codeBlocks(text string) []string {
	var out []string
	var cur []string
	in, mermaid := false, false
	for _, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case !in && (strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")):
			in, mermaid = true, strings.HasPrefix(strings.TrimLeft(t, "`~"), "mermaid")
			cur = []string{t}
		case in:
			cur = append(cur, strings.TrimRight(l, " \t"))
			if t == "```" || t == "~~~" {
				in = false
				if !mermaid {
					out = append(out, dedent(cur))
				}
			}
		}
	}
	return out
}

// dedent removes the indentation of the closing fence from every line.
func dedent(lines []string) string {
	last := lines[len(lines)-1]
	pad := last[:len(last)-len(strings.TrimLeft(last, " \t"))]
	out := []string{lines[0]}
	for _, l := range lines[1:] {
		out = append(out, strings.TrimPrefix(l, pad))
	}
	return strings.Join(out, "\n")
}

// firstDiff shows the first line where two blocks differ.
func firstDiff(en, zh string) string {
	el, zl := strings.Split(en, "\n"), strings.Split(zh, "\n")
	for i := range max(len(el), len(zl)) {
		var e, z string
		if i < len(el) {
			e = el[i]
		}
		if i < len(zl) {
			z = zl[i]
		}
		if e != z {
			return fmt.Sprintf("line %d, English: %q\nline %d, Chinese: %q", i+1, e, i+1, z)
		}
	}
	return ""
}

// linksTo reports whether one of the first lines links to file.
func linksTo(text, file string) bool {
	lines := strings.SplitN(text, "\n", 8)
	for _, l := range lines[:min(len(lines), 7)] {
		if strings.Contains(l, "]("+file+")") || strings.Contains(l, "](./"+file+")") {
			return true
		}
	}
	return false
}

func backticked(names []string) string {
	if len(names) == 0 {
		return "nothing"
	}
	return "`" + strings.Join(names, "`, `") + "`"
}

// twins lists the Chinese guide of every guide of the course (the root's,
// the chapters' and the labs'): dir/README.zh-CN.md for each directory
// holding a README.md or a README.zh-CN.md, whether the twin exists yet or
// not.
func twins(root string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		rel, _ := filepath.Rel(root, filepath.Join(filepath.Dir(p), zhReadme))
		if rel = filepath.ToSlash(rel); !seen[rel] {
			seen[rel] = true
			out = append(out, rel)
		}
	}
	for _, name := range []string{"README.md", zhReadme} {
		if _, err := os.Stat(filepath.Join(root, name)); err == nil {
			add(filepath.Join(root, name))
		}
	}
	chapters, _ := filepath.Glob(filepath.Join(root, "ch*"))
	for _, ch := range chapters {
		err := filepath.WalkDir(ch, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && p != ch && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "gen") {
				return filepath.SkipDir
			}
			if !d.IsDir() && (d.Name() == zhReadme || d.Name() == "README.md") {
				add(p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// twinProblemsAt compares root/f, a Chinese guide, with the README.md
// beside it; a missing one of the two is a problem too.
func twinProblemsAt(root, f string) []string {
	zh, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
	if errors.Is(err, fs.ErrNotExist) {
		return []string{path.Join(path.Dir(f), "README.md") + " has no Chinese twin " + zhReadme + " yet (see CONTRIBUTING.md)"}
	}
	if err != nil {
		return []string{err.Error()}
	}
	en, err := os.ReadFile(filepath.Join(root, filepath.Dir(filepath.FromSlash(f)), "README.md"))
	if err != nil {
		return []string{f + " has no English twin README.md beside it"}
	}
	if p := twinProblems(string(en), string(zh)); len(p) > 0 {
		return []string{f + " has drifted from README.md:\n  " + strings.Join(p, "\n  ")}
	}
	return nil
}

// twinsPhase is verify's check of every Chinese guide; it passes with
// none, since the translations come later.
func (v *Verifier) twinsPhase() {
	files, err := twins(v.Root)
	if err != nil {
		v.fail("Chinese guides", err.Error())
		return
	}
	bad := 0
	for _, f := range files {
		if p := twinProblemsAt(v.Root, f); len(p) > 0 {
			v.fail(f, strings.Join(p, "\n"))
			bad++
			continue
		}
		v.counts.pass++
	}
	if bad == 0 {
		v.ok(fmt.Sprintf("%s in step with the English", plural(len(files), "Chinese guide")))
	}
}
