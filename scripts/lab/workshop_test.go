package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// docs/workshop.md builds its agendas from the labs' time estimates. Each
// agenda (a table whose header is "| start | what | minutes |") must use a
// lab's README minutes for the lab's row, and its clock must add up: every
// row starts when the one above ends. The lab-by-lab table must give each
// lab's minutes and number of steps as its README does. The Chinese twin,
// docs/workshop.zh-CN.md, is held to the same, in its own words.
func TestWorkshopGuide(t *testing.T) {
	for _, w := range []workshopWords{
		{"workshop.md", "start|what|minutes", "lab|minutes|steps", "Lab", "End"},
		{"workshop.zh-CN.md", "开始|内容|分钟", "实验|分钟|步骤", "实验", "结束"},
	} {
		t.Run(w.file, func(t *testing.T) { checkWorkshop(t, w) })
	}
}

// workshopWords are the words a guide's tables are recognised by.
type workshopWords struct {
	file, agendaHeader, labHeader, lab, end string
}

func checkWorkshop(t *testing.T, w workshopWords) {
	root := filepath.Join("..", "..")
	b, err := os.ReadFile(filepath.Join(root, "docs", w.file))
	if err != nil {
		t.Fatal(err)
	}
	guides := map[string]*Guide{}
	for l, g := range courseGuides(t) {
		guides[l.Name] = g
	}
	agendas, labTable := workshopTables(t, string(b), w)
	if len(agendas) < 2 {
		t.Fatalf("found %d agendas; want the half day and a full day at least", len(agendas))
	}
	for _, a := range agendas {
		checkAgenda(t, a, guides, w)
	}
	seen := map[string]bool{}
	for _, row := range labTable {
		name := strings.Trim(row[0], "` ")
		g, ok := guides[name]
		if !ok {
			t.Errorf("lab-by-lab table: no lab %q", name)
			continue
		}
		seen[name] = true
		if row[1] != strconv.Itoa(g.Minutes) || row[2] != strconv.Itoa(len(g.Steps)) {
			t.Errorf("lab-by-lab table: %s has %s minutes and %s steps; its README says %d and %d",
				name, row[1], row[2], g.Minutes, len(g.Steps))
		}
	}
	for name := range guides {
		if !seen[name] {
			t.Errorf("lab-by-lab table: lab %s is missing", name)
		}
	}
}

// agenda is one agenda table: its heading and rows of start, what, minutes.
type agenda struct {
	title string
	rows  [][]string
}

func checkAgenda(t *testing.T, a agenda, guides map[string]*Guide, w workshopWords) {
	t.Helper()
	labRow := regexp.MustCompile("^" + w.lab + " `([a-z0-9]+)`$")
	var at time.Time
	labs := 0
	for i, r := range a.rows {
		start, err := time.Parse("15:04", r[0])
		if err != nil {
			t.Errorf("%s, row %d: start %q is not HH:MM", a.title, i+1, r[0])
			return
		}
		if i > 0 && !start.Equal(at) {
			t.Errorf("%s: %q starts at %s; the row above ends at %s", a.title, r[1], r[0], at.Format("15:04"))
		}
		if i == len(a.rows)-1 {
			if r[1] != w.end || r[2] != "" {
				t.Errorf("%s: the last row is %q; want %s, with no minutes", a.title, r[1], w.end)
			}
			break
		}
		m, err := strconv.Atoi(r[2])
		if err != nil || m <= 0 {
			t.Errorf("%s: %q has minutes %q", a.title, r[1], r[2])
			return
		}
		if lm := labRow.FindStringSubmatch(r[1]); lm != nil {
			labs++
			g, ok := guides[lm[1]]
			switch {
			case !ok:
				t.Errorf("%s: no lab %q", a.title, lm[1])
			case g.Minutes != m:
				t.Errorf("%s: lab %s is given %d minutes; its README says about %d", a.title, lm[1], m, g.Minutes)
			}
		} else if strings.HasPrefix(r[1], w.lab) {
			t.Errorf("%s: %q: write a lab row as %s `name`", a.title, r[1], w.lab)
		}
		at = start.Add(time.Duration(m) * time.Minute)
	}
	if labs == 0 {
		t.Errorf("%s has no lab", a.title)
	}
}

// workshopTables reads the guide's markdown tables: the agendas (under
// "### " headings) and the lab-by-lab table (whose header starts
// "| lab | minutes | steps |").
func workshopTables(t *testing.T, text string, w workshopWords) (agendas []agenda, labTable [][]string) {
	t.Helper()
	title := ""
	var cur *[][]string
	for _, line := range strings.Split(text, "\n") {
		if h, ok := strings.CutPrefix(line, "### "); ok {
			title = h
		}
		if !strings.HasPrefix(line, "|") {
			cur = nil
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case cur == nil && strings.Join(cells[:min(3, len(cells))], "|") == w.agendaHeader:
			agendas = append(agendas, agenda{title: title})
			cur = &agendas[len(agendas)-1].rows
		case cur == nil && strings.Join(cells[:min(3, len(cells))], "|") == w.labHeader:
			cur = &labTable
		case cur == nil:
			cur = new([][]string) // some other table
		case strings.Trim(cells[0], "-") == "":
			// the separator row
		default:
			if len(cells) < 3 {
				t.Fatalf("%s: row %q has fewer than 3 cells", title, line)
			}
			*cur = append(*cur, cells)
		}
	}
	for _, a := range agendas {
		if len(a.rows) == 0 {
			t.Errorf("agenda %s has no rows", a.title)
		}
	}
	if len(labTable) == 0 {
		t.Errorf("no lab-by-lab table (header | %s | ...)", strings.ReplaceAll(w.labHeader, "|", " | "))
	}
	return agendas, labTable
}

// The chapter map of the top README gives each chapter's time as the sum
// of its labs' estimates, in both languages.
func TestChapterTimes(t *testing.T) {
	root := filepath.Join("..", "..")
	sums := map[string]int{}
	for l, g := range courseGuides(t) {
		sums[l.Chapter] += g.Minutes
	}
	for file, re := range map[string]*regexp.Regexp{
		"README.md":       regexp.MustCompile(`^\| \[(ch\d\d-[a-z-]+)\].*\| ~(\d+) h(?: (\d+) min)? \|$`),
		"README.zh-CN.md": regexp.MustCompile(`^\| \[(ch\d\d-[a-z-]+)\].*\| 约 (\d+) 小时(?: (\d+) 分钟)? \|$`),
	} {
		b, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, line := range strings.Split(string(b), "\n") {
			m := re.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			seen++
			h, _ := strconv.Atoi(m[2])
			mins, _ := strconv.Atoi(m[3])
			if got, want := h*60+mins, sums[m[1]]; got != want {
				t.Errorf("%s: %s takes %d h %d min; its labs' estimates add up to %d h %d min", file, m[1], h, mins, want/60, want%60)
			}
		}
		if seen != len(sums) {
			t.Errorf("%s: found the time of %d chapters in its chapter map; there are %d", file, seen, len(sums))
		}
	}
}

// courseGuides reads every lab's README; each must give its time.
func courseGuides(t *testing.T) map[*Lab]*Guide {
	t.Helper()
	repo, err := openRepo(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	guides := map[*Lab]*Guide{}
	for _, l := range repo.Labs {
		g, err := readGuide(l.Dir)
		if err != nil {
			t.Fatalf("%s: %v", l.ID, err)
		}
		if g.Minutes == 0 {
			t.Errorf("%s: its README has no \"Time: about N minutes\"", l.ID)
		}
		guides[l] = g
	}
	return guides
}
