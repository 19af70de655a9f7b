package main

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Guide is what the runner reads from a lab README: the steps and the
// tests each one turns green, and the progressive hints.
type Guide struct {
	Steps []StepDef
	Hints []Hint
	// Minutes is the time estimate of the header line ("Time: about N
	// minutes"), 0 if there is none; a drill's time budget.
	Minutes int
	// Goal is the first paragraph of the "## Goal" section: a drill's
	// question.
	Goal string
}

// StepDef is one numbered item of the "## Steps" section.
type StepDef struct {
	N     int
	Title string
	Tests []string // top-level test names or slash paths to subtests
	// Code names the exercise's declarations the step writes, from its
	// "Code:" line (Func, Type.Method, or a type, var or const name):
	// what catchup replaces with the solution's. None for a step that only
	// checks earlier steps together.
	Code []string
}

// Hint is one <details> block of the "## Hints" section.
type Hint struct {
	Step  int // the step named in the summary ("Step 2 · ..."), 0 if none
	Title string
	Body  string
}

// readGuide parses dir/README.md. The Guide is usable even when the error
// is not nil: the error lists what is wrong with the README, for the author.
func readGuide(dir string) (*Guide, error) {
	b, err := os.ReadFile(dir + string(os.PathSeparator) + "README.md")
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return &Guide{}, errors.New("the lab has no README.md, so its steps are unknown")
		}
		return &Guide{}, err
	}
	return parseGuide(string(b))
}

// parseGuide is readGuide on text already read.
func parseGuide(text string) (*Guide, error) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	g := &Guide{}
	var problems []error
	steps, ok := section(text, "Steps", "步骤")
	if !ok {
		problems = append(problems, errors.New(`README.md has no "## Steps" section, so tests cannot be grouped into steps`))
	} else {
		g.Steps, problems = parseSteps(steps)
	}
	if hints, ok := section(text, "Hints", "提示"); ok {
		g.Hints = parseHints(hints)
	}
	head, _, _ := strings.Cut(text, "\n## ")
	if m := minutesRe.FindStringSubmatch(head); m != nil {
		g.Minutes, _ = strconv.Atoi(m[1])
	}
	if goal, ok := section(text, "Goal", "目标"); ok {
		g.Goal = firstParagraph(goal)
	}
	return g, errors.Join(problems...)
}

var minutesRe = regexp.MustCompile(`Time:\s+about\s+(\d+)\s+minutes`)

// firstParagraph is the first block of text, its lines joined.
func firstParagraph(body string) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(body), "\n") {
		if strings.TrimSpace(l) == "" {
			break
		}
		lines = append(lines, strings.TrimSpace(l))
	}
	return strings.Join(lines, " ")
}

// section returns the body of the "## name" section (any of names: the
// English heading and its Chinese twin's), up to the next heading of the
// same or a higher level. Headings inside code fences do not count.
func section(text string, names ...string) (string, bool) {
	var body []string
	in, found, fence := false, false, false
	for _, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = !fence
		}
		if !fence && (strings.HasPrefix(l, "## ") || strings.HasPrefix(l, "# ")) {
			if in {
				break
			}
			h := strings.TrimSpace(strings.TrimLeft(l, "#"))
			if slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(h, n) }) {
				in, found = true, true
				continue
			}
		}
		if in {
			body = append(body, l)
		}
	}
	return strings.Join(body, "\n"), found
}

var (
	itemRe  = regexp.MustCompile(`^(\d+)[.)]\s+(.*)$`)
	boldRe  = regexp.MustCompile(`^\*\*(.+?)\*\*`)
	tickRe  = regexp.MustCompile("`([^`]+)`")
	testRe  = regexp.MustCompile(`^(Test|Example|Fuzz)\w*(/\S+)?$`)
	codeRe  = regexp.MustCompile(`^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$`)
	stepNRe = regexp.MustCompile(`(?i)\bstep\s+(\d+)|第\s*(\d+)\s*步`)
)

// parseSteps reads numbered items that start at the left margin; indented
// numbers are nested lists and belong to the item above them.
func parseSteps(body string) ([]StepDef, []error) {
	type item struct {
		n    int
		head string
		text []string
	}
	var items []*item
	fence := false
	for _, l := range strings.Split(body, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = !fence
		}
		if m := itemRe.FindStringSubmatch(l); m != nil && !fence {
			n, _ := strconv.Atoi(m[1])
			items = append(items, &item{n: n, head: m[2], text: []string{m[2]}})
			continue
		}
		if len(items) > 0 {
			items[len(items)-1].text = append(items[len(items)-1].text, l)
		}
	}
	var problems []error
	if len(items) == 0 {
		return nil, []error{errors.New(`the "## Steps" section has no numbered items ("1. **Title.** ...")`)}
	}
	var steps []StepDef
	owner, coder := map[string]int{}, map[string]int{}
	for i, it := range items {
		s := StepDef{N: it.n, Title: stepTitle(it.head)}
		if it.n != i+1 {
			problems = append(problems, fmt.Errorf("step %q is numbered %d but is item %d of the list", s.Title, it.n, i+1))
		}
		text := strings.Join(it.text, "\n")
		for _, name := range stepTests(text) {
			if !testRe.MatchString(name) {
				problems = append(problems, fmt.Errorf("step %d lists %q, which is not a test name (TestX or TestX/sub)", s.N, name))
				continue
			}
			if prev, dup := owner[name]; dup {
				problems = append(problems, fmt.Errorf("%s is listed by step %d and again by step %d; each test belongs to one step", name, prev, s.N))
				continue
			}
			owner[name] = s.N
			s.Tests = append(s.Tests, name)
		}
		if len(s.Tests) == 0 {
			problems = append(problems, fmt.Errorf("step %d (%q) names no tests: add a line like \"Tests: `TestX`\"", s.N, s.Title))
		}
		for _, name := range stepCode(text) {
			if !codeRe.MatchString(name) {
				problems = append(problems, fmt.Errorf("step %d lists code %q, which is not a declaration name (Func or Type.Method)", s.N, name))
				continue
			}
			if prev, dup := coder[name]; dup {
				problems = append(problems, fmt.Errorf("%s is listed as code by step %d and again by step %d; each function belongs to one step (give each step its own functions)", name, prev, s.N))
				continue
			}
			coder[name] = s.N
			s.Code = append(s.Code, name)
		}
		steps = append(steps, s)
	}
	return steps, problems
}

// stepTitle is the bold lead of an item, or its first sentence.
func stepTitle(head string) string {
	t := head
	if m := boldRe.FindStringSubmatch(head); m != nil {
		t = m[1]
	} else if i := strings.Index(head, ". "); i > 0 {
		t = head[:i]
	}
	t = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(t), ".:。："))
	if t == "" {
		t = "(untitled)"
	}
	return t
}

// stepTests finds the names in backticks after "Tests:", up to the end of
// that paragraph or a "Code:" label, whichever comes first.
func stepTests(text string) []string {
	plain := strings.ReplaceAll(text, "**", "")
	i := strings.Index(plain, "Tests:")
	if i < 0 {
		i = strings.Index(plain, "Test:")
	}
	if i < 0 {
		return nil
	}
	rest := plain[i:]
	if j := strings.Index(rest, "\n\n"); j >= 0 {
		rest = rest[:j]
	}
	if j := strings.Index(rest, "Code:"); j >= 0 {
		rest = rest[:j]
	}
	return ticked(rest)
}

// stepCode finds the names in backticks after "Code:", up to the end of
// that paragraph.
func stepCode(text string) []string {
	plain := strings.ReplaceAll(text, "**", "")
	i := strings.Index(plain, "Code:")
	if i < 0 {
		return nil
	}
	rest := plain[i:]
	if j := strings.Index(rest, "\n\n"); j >= 0 {
		rest = rest[:j]
	}
	return ticked(rest)
}

func ticked(rest string) []string {
	var names []string
	for _, m := range tickRe.FindAllStringSubmatch(rest, -1) {
		names = append(names, strings.TrimSpace(m[1]))
	}
	return names
}

var (
	detailsRe = regexp.MustCompile(`(?is)<details[^>]*>(.*?)</details>`)
	summaryRe = regexp.MustCompile(`(?is)<summary[^>]*>(.*?)</summary>`)
	tagRe     = regexp.MustCompile(`<[^>]+>`)
)

// parseHints reads every <details> block in order. The summary is the
// title; "Step N" in it ties the hint to a step.
func parseHints(body string) []Hint {
	var hints []Hint
	for _, m := range detailsRe.FindAllStringSubmatch(body, -1) {
		inner := m[1]
		h := Hint{}
		if s := summaryRe.FindStringSubmatchIndex(inner); s != nil {
			h.Title = strings.TrimSpace(tagRe.ReplaceAllString(inner[s[2]:s[3]], ""))
			inner = inner[:s[0]] + inner[s[1]:]
		}
		if n := stepNRe.FindStringSubmatch(h.Title); n != nil {
			h.Step, _ = strconv.Atoi(n[1] + n[2]) // one of the two is empty
		}
		if h.Title == "" {
			h.Title = fmt.Sprintf("Hint %d", len(hints)+1)
		}
		h.Body = strings.TrimSpace(inner)
		hints = append(hints, h)
	}
	return hints
}

// StepOf returns the index of the step a test event belongs to: the step
// listing the test's name or an ancestor of it. The longest match wins, so
// a step may claim TestX/sub while another claims the rest of TestX.
func (g *Guide) StepOf(test string) int {
	best, bestLen := -1, -1
	for i, s := range g.Steps {
		for _, name := range s.Tests {
			if within(test, name) && len(name) > bestLen {
				best, bestLen = i, len(name)
			}
		}
	}
	return best
}

// claims reports whether any step lists the test or one of its subtests.
func (g *Guide) claims(test string) bool {
	for _, s := range g.Steps {
		for _, name := range s.Tests {
			if within(name, test) {
				return true
			}
		}
	}
	return false
}
