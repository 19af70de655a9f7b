package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// readTxtar splits a txtar archive ("-- name --" headers) into files; the
// format is small enough that a dependency is not worth it.
func readTxtar(t *testing.T, file string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	name := ""
	for _, l := range strings.SplitAfter(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
		s := strings.TrimSpace(l)
		if strings.HasPrefix(s, "-- ") && strings.HasSuffix(s, " --") && len(s) > 6 {
			name = strings.TrimSpace(s[3 : len(s)-3])
			files[name] = ""
			continue
		}
		if name != "" {
			files[name] += l
		}
	}
	return files
}

// fixture writes the fixture workspace to a fresh directory, with the given
// files replaced (or added), and returns its root.
func fixture(t *testing.T, changes map[string]string) string {
	t.Helper()
	files := readTxtar(t, filepath.Join("testdata", "verify", "fixture.txtar"))
	for name, body := range changes {
		files[name] = body
		if body == "" { // an empty change removes the file
			delete(files, name)
		}
	}
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// fixtureEnv keeps the inherited GOFLAGS and adds -trimpath: without it the
// build cache keys on the directory, and every fresh t.TempDir() would
// rebuild the fixture from scratch.
func fixtureEnv() []string {
	return []string{"GOFLAGS=" + strings.TrimSpace(os.Getenv("GOFLAGS")+" -trimpath")}
}

// testApp is an app writing to buffers, rooted at dir.
func testApp(dir string) (*app, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &app{
		out:    &Out{W: &out},
		errOut: &Out{W: &errOut},
		dir:    dir,
		env:    fixtureEnv(),
		now:    func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	}, &out, &errOut
}

func run(t *testing.T, a *app, args ...string) int {
	t.Helper()
	return a.main(context.Background(), args)
}

// Labs come in the order the chapter README links them, not alphabetically:
// "next" must point at the first lab of the course, not the first name.
func TestCourseOrder(t *testing.T) {
	root := t.TempDir()
	for _, dir := range []string{"ch01-a/zeta/exercise", "ch01-a/zeta/solution", "ch01-a/alpha/exercise",
		"ch01-a/alpha/solution", "ch01-a/unlisted/exercise", "ch01-a/unlisted/solution",
		"ch02-b/one/exercise", "ch02-b/one/solution"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	readme := "Later, [alpha](alpha/) measures it.\n\n| lab |\n|---|\n| [zeta](zeta/) |\n| [alpha](./alpha/) |\n"
	if err := os.WriteFile(filepath.Join(root, "ch01-a", "README.md"), []byte(readme), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "go.work"), []byte("go 1.26.0\n\nuse (\n\t./ch01-a\n\t./ch02-b\n)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := openRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range r.Labs {
		got = append(got, l.ID)
	}
	want := []string{"ch01-a/zeta", "ch01-a/alpha", "ch01-a/unlisted", "ch02-b/one"}
	if !slices.Equal(got, want) {
		t.Fatalf("lab order = %q, want %q", got, want)
	}
}
