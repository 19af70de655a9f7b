package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// cmdDiff shows, file by file, how the learner's exercise differs from the
// solution. Test files are left out: they are the same harness on both sides.
func cmdDiff(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("diff", "<lab>", "Show a unified diff of your exercise/*.go against solution/*.go, per file\n(test files and the package clause left out).")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	_, _, lab, err := a.openLab(pos)
	if err != nil {
		return err
	}
	diffs, err := labDiff(lab)
	if err != nil {
		return err
	}
	if len(diffs) == 0 {
		a.out.Printf("%s: your exercise matches the solution.\n", lab.ID)
		return nil
	}
	for _, d := range diffs {
		for _, l := range strings.SplitAfter(d, "\n") {
			switch {
			case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
				l = a.out.paint(bold, strings.TrimSuffix(l, "\n")) + "\n"
			case strings.HasPrefix(l, "+"):
				l = a.out.paint(green, strings.TrimSuffix(l, "\n")) + "\n"
			case strings.HasPrefix(l, "-"):
				l = a.out.paint(red, strings.TrimSuffix(l, "\n")) + "\n"
			case strings.HasPrefix(l, "@@"):
				l = a.out.paint(cyan, strings.TrimSuffix(l, "\n")) + "\n"
			}
			a.out.Printf("%s", l)
		}
	}
	return nil
}

var packageRe = regexp.MustCompile(`(?m)^package (exercise|solution)\b`)

// labDiff returns one unified diff per file that differs; a file that
// exists on one side only is diffed against nothing.
func labDiff(lab *Lab) ([]string, error) {
	ex, err := sources(lab.ExerciseDir())
	if err != nil {
		return nil, err
	}
	sol, err := sources(lab.SolutionDir())
	if err != nil {
		return nil, err
	}
	var names []string
	for n := range ex {
		names = append(names, n)
	}
	for n := range sol {
		if _, ok := ex[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var out []string
	for _, n := range names {
		from, to := "exercise/"+n, "solution/"+n
		if _, ok := ex[n]; !ok {
			from = "/dev/null"
		}
		if _, ok := sol[n]; !ok {
			to = "/dev/null"
		}
		d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A:        difflib.SplitLines(ex[n]),
			B:        difflib.SplitLines(sol[n]),
			FromFile: from,
			ToFile:   to,
			Context:  3,
		})
		if err != nil {
			return nil, err
		}
		if d != "" {
			out = append(out, d)
		}
	}
	return out, nil
}

// sources reads the non-test .go files of dir, with the package clause made
// neutral so that exercise and solution compare equal on that line.
func sources(dir string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		s := strings.ReplaceAll(string(b), "\r\n", "\n")
		m[filepath.Base(f)] = packageRe.ReplaceAllString(s, "package lab")
	}
	return m, nil
}
