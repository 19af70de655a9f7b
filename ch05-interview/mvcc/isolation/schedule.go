package isolation

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Schedule is an interleaving of two or three transactions, written one
// statement a line:
//
//	T1 get 1          -> RU=20 RC=10 RR=10 SER=waits:10   # why
//	T2 update 1 20    -> ok
//	T2 insert 4 40
//	T1 scan 1 5       -> [1,2,3]
//	T1 scan-for-update 1 5 -> [1,2,3,4]
//	T2 commit
//
// "T1 begin" starts a transaction at the level the schedule is run at. An
// expectation after "->" applies to every level, or to one level with a
// prefix (RU=, RC=, RR=, SER=). Results: a value or "none" for get,
// "[ids]" for scans, "ok" or "none" (no such row) for update, "ok" or
// "dup" for insert. "waits:R" means the statement must wait for a lock and,
// once the transaction holding it ends, finish with R. A statement without
// an expectation must succeed without waiting. Everything after "#" is the
// comment printed when the line fails.
type Schedule struct {
	Name string
	// Levels the schedule is meant for, by Short name ("RU RC RR").
	Levels string
	// Seed is the table's starting rows, "id=v id=v ...".
	Seed string
	// Script is the interleaving, one statement a line.
	Script string
}

// Line is one parsed statement of a schedule.
type Line struct {
	N       int // 1-based, among the script's non-blank lines
	Text    string
	Tx      int // 1 for T1
	Op      string
	Args    []int
	Comment string
	want    map[Level]string // level 0: every level
}

// Want is the expected result at level, "waits:R" for a statement that
// waits, and "" when nothing is expected but success.
func (l Line) Want(level Level) string {
	if w, ok := l.want[level]; ok {
		return w
	}
	return l.want[0]
}

var arity = map[string]int{
	"begin": 0, "commit": 0, "rollback": 0,
	"get": 1, "scan": 2, "scan-for-update": 2, "update": 2, "insert": 2,
}

// Lines parses the script. The schedules in this package are checked by its
// tests, so a syntax error in them is a bug here, reported by panicking.
func (s Schedule) Lines() []Line {
	lines, err := s.parse()
	if err != nil {
		panic(fmt.Sprintf("isolation: schedule %q: %v", s.Name, err))
	}
	return lines
}

// LevelList is Levels parsed.
func (s Schedule) LevelList() []Level {
	var out []Level
	for _, f := range strings.Fields(s.Levels) {
		l, ok := parseLevel(f)
		if !ok {
			panic(fmt.Sprintf("isolation: schedule %q: unknown level %q", s.Name, f))
		}
		out = append(out, l)
	}
	return out
}

// Rows is Seed parsed.
func (s Schedule) Rows() []Row {
	var rows []Row
	for _, f := range strings.Fields(s.Seed) {
		id, v, ok := strings.Cut(f, "=")
		i, err1 := strconv.Atoi(id)
		n, err2 := strconv.Atoi(v)
		if !ok || err1 != nil || err2 != nil {
			panic(fmt.Sprintf("isolation: schedule %q: bad seed row %q", s.Name, f))
		}
		rows = append(rows, Row{i, n})
	}
	return rows
}

func parseLevel(s string) (Level, bool) {
	for l, n := range levelNames {
		if n[0] == s {
			return l, true
		}
	}
	return 0, false
}

func (s Schedule) parse() ([]Line, error) {
	var out []Line
	for raw := range strings.SplitSeq(s.Script, "\n") {
		text := strings.TrimSpace(raw)
		if text == "" {
			continue
		}
		l := Line{N: len(out) + 1, Text: text, want: map[Level]string{}}
		if i := strings.Index(text, "#"); i >= 0 {
			l.Comment = strings.TrimSpace(text[i+1:])
			text = strings.TrimSpace(text[:i])
			l.Text = text
		}
		stmt, expect, _ := strings.Cut(text, "->")
		f := strings.Fields(stmt)
		if len(f) < 2 || len(f[0]) != 2 || f[0][0] != 'T' || f[0][1] < '1' || f[0][1] > '9' {
			return nil, fmt.Errorf("line %d %q: want \"T<n> <op> [args]\"", l.N, text)
		}
		l.Tx, l.Op = int(f[0][1]-'0'), f[1]
		n, ok := arity[l.Op]
		if !ok || len(f)-2 != n {
			return nil, fmt.Errorf("line %d %q: unknown op or wrong number of arguments", l.N, text)
		}
		for _, a := range f[2:] {
			v, err := strconv.Atoi(a)
			if err != nil {
				return nil, fmt.Errorf("line %d %q: argument %q: %v", l.N, text, a, err)
			}
			l.Args = append(l.Args, v)
		}
		for _, tok := range strings.Fields(expect) {
			lv := Level(0)
			if name, res, ok := strings.Cut(tok, "="); ok {
				if lv, ok = parseLevel(name); !ok {
					return nil, fmt.Errorf("line %d %q: unknown level %q", l.N, text, name)
				}
				tok = res
			}
			if _, dup := l.want[lv]; dup {
				return nil, fmt.Errorf("line %d %q: two expectations for the same level", l.N, text)
			}
			l.want[lv] = tok
		}
		out = append(out, l)
	}
	return out, nil
}

// format renders a result the way schedules write it.
func formatRows(rows []Row) string {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = strconv.Itoa(r.ID)
	}
	return "[" + strings.Join(ids, ",") + "]"
}

// ForLevel returns the schedules meant for level whose names are in names
// (all of them when names is empty), in the order of [All].
func ForLevel(level Level, names ...string) []Schedule {
	var out []Schedule
	for _, s := range All {
		if slices.Contains(s.LevelList(), level) && (len(names) == 0 || slices.Contains(names, s.Name)) {
			out = append(out, s)
		}
	}
	return out
}
