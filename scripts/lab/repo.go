package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Repo is the course checkout: the workspace root, its modules and labs.
type Repo struct {
	Root    string   // directory holding go.work
	Modules []string // `use` directories from go.work, slash-separated, relative to Root
	Labs    []*Lab   // in course order: chapter, then as the chapter README lists them
}

// Lab is a directory holding both exercise/ and solution/.
type Lab struct {
	ID      string // slash path from the root, e.g. "ch01-overview/userservice"
	Chapter string // first element of ID
	Name    string // last element of ID
	Dir     string // absolute directory
}

// ExerciseDir is the learner's copy.
func (l *Lab) ExerciseDir() string { return filepath.Join(l.Dir, "exercise") }

// SolutionDir is the reference.
func (l *Lab) SolutionDir() string { return filepath.Join(l.Dir, "solution") }

// ExercisePattern is the package pattern `go test` takes from the root.
func (l *Lab) ExercisePattern() string { return "./" + l.ID + "/exercise" }

// findRoot walks up from dir to the directory holding go.work.
func findRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if st, err := os.Stat(filepath.Join(dir, "go.work")); err == nil && !st.IsDir() {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.work found here or above: run the lab runner from inside the course repository")
		}
		dir = parent
	}
}

// openRepo reads go.work and finds every lab under the ch*/ directories.
func openRepo(root string) (*Repo, error) {
	mods, err := workUses(filepath.Join(root, "go.work"))
	if err != nil {
		return nil, err
	}
	r := &Repo{Root: root, Modules: mods}
	chapters, err := filepath.Glob(filepath.Join(root, "ch*"))
	if err != nil {
		return nil, err
	}
	for _, ch := range chapters {
		if st, err := os.Stat(ch); err != nil || !st.IsDir() {
			continue
		}
		err := filepath.WalkDir(ch, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			name := d.Name()
			if p != ch && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor" || name == "gen") {
				return filepath.SkipDir
			}
			if isDir(filepath.Join(p, "exercise")) && isDir(filepath.Join(p, "solution")) {
				rel, _ := filepath.Rel(root, p)
				id := filepath.ToSlash(rel)
				r.Labs = append(r.Labs, &Lab{
					ID:      id,
					Chapter: strings.SplitN(id, "/", 2)[0],
					Name:    path.Base(id),
					Dir:     p,
				})
				return filepath.SkipDir
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("looking for labs in %s: %w", ch, err)
		}
	}
	sortCourseOrder(root, r.Labs)
	return r, nil
}

// sortCourseOrder puts labs in the order a learner takes them: by chapter,
// then in the order the chapter README's labs table lists them (a link in
// prose may mention a later lab first), then by where the README first
// links them at all, then by name.
func sortCourseOrder(root string, labs []*Lab) {
	rank := map[string]int{}
	readmes := map[string]string{}
	for _, l := range labs {
		text, ok := readmes[l.Chapter]
		if !ok {
			b, _ := os.ReadFile(filepath.Join(root, l.Chapter, "README.md"))
			text = string(b)
			readmes[l.Chapter] = text
		}
		rank[l.ID] = linkRank(text, strings.TrimPrefix(l.ID, l.Chapter+"/"))
	}
	slices.SortFunc(labs, func(a, b *Lab) int {
		if c := strings.Compare(a.Chapter, b.Chapter); c != 0 {
			return c
		}
		if c := rank[a.ID] - rank[b.ID]; c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// linkRank is where readme links to the lab directory rel: table rows
// count first, then any other line; a lab never linked ranks last.
func linkRank(readme, rel string) int {
	links := []string{"](" + rel + "/", "](./" + rel + "/"}
	has := func(line string) bool {
		return strings.Contains(line, links[0]) || strings.Contains(line, links[1])
	}
	lines := strings.Split(readme, "\n")
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "|") && has(line) {
			return i
		}
	}
	for i, line := range lines {
		if has(line) {
			return len(lines) + i
		}
	}
	return 2 * len(lines)
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// workUses lists the `use` directories of a go.work file. It understands
// the single-line and the parenthesised block forms, and // comments.
func workUses(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var uses []string
	inBlock := false
	add := func(s string) {
		s = strings.Trim(strings.TrimSpace(s), `"`)
		if s == "" {
			return
		}
		s = strings.TrimPrefix(path.Clean(filepath.ToSlash(s)), "./")
		uses = append(uses, s)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if i := strings.Index(l, "//"); i >= 0 {
			l = l[:i]
		}
		l = strings.TrimSpace(l)
		switch {
		case inBlock && l == ")":
			inBlock = false
		case inBlock:
			add(l)
		case l == "use (":
			inBlock = true
		case strings.HasPrefix(l, "use "):
			add(strings.TrimPrefix(l, "use "))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return uses, nil
}

// ShortName is the name a learner types: the last element when unique.
func (r *Repo) ShortName(l *Lab) string {
	n := 0
	for _, o := range r.Labs {
		if o.Name == l.Name {
			n++
		}
	}
	if n == 1 {
		return l.Name
	}
	return l.ID
}

// usageError is a mistake on the command line: exit code 2. It keeps its
// format, so that it is said in the learner's language.
type usageError struct {
	format string
	args   []any
}

func (e *usageError) Error() string { return fmt.Sprintf(e.format, e.args...) }

// local is the message in o's language.
func (e *usageError) local(o *Out) string { return fmt.Sprintf(o.tr(e.format), e.args...) }

func usagef(format string, args ...any) error {
	return &usageError{format, args}
}

// FindLab resolves what the learner typed: a full id, a unique last
// element, or a unique trailing part of an id.
func (r *Repo) FindLab(arg string) (*Lab, error) {
	arg = strings.Trim(filepath.ToSlash(arg), "/")
	arg = strings.TrimPrefix(arg, "./")
	// Accept a path into the lab too, e.g. ch01-overview/userservice/exercise.
	for _, sfx := range []string{"/exercise", "/solution"} {
		arg = strings.TrimSuffix(arg, sfx)
	}
	if len(r.Labs) == 0 {
		return nil, errors.New("this repository has no labs yet (no ch*/ directory holds exercise/ and solution/)")
	}
	var matches []*Lab
	for _, l := range r.Labs {
		if l.ID == arg {
			return l, nil
		}
		if l.Name == arg || strings.HasSuffix(l.ID, "/"+arg) {
			matches = append(matches, l)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		var names []string
		for _, l := range r.Labs {
			names = append(names, l.ID, l.Name)
		}
		if s := suggest(arg, names); s != "" {
			return nil, usagef("unknown lab %q; did you mean %q?\nlabs: %s", arg, s, strings.Join(r.labIDs(), ", "))
		}
		return nil, usagef("unknown lab %q\nlabs: %s", arg, strings.Join(r.labIDs(), ", "))
	}
	var ids []string
	for _, l := range matches {
		ids = append(ids, l.ID)
	}
	return nil, usagef("lab %q is ambiguous: it could be %s; type the full id", arg, strings.Join(ids, " or "))
}

func (r *Repo) labIDs() []string {
	var ids []string
	for _, l := range r.Labs {
		ids = append(ids, l.ID)
	}
	return ids
}

// suggest returns the candidate closest to s, if it is close enough to be
// a plausible typo.
func suggest(s string, candidates []string) string {
	best, bestD := "", len(s)/2+2
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
