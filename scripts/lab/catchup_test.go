package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// catchupFixture reads testdata/catchup/<name>.txtar into the exercise and
// the solution, and the wanted files.
func catchupFixture(t *testing.T, name string) (ex, sol *srcPkg, want map[string]string) {
	t.Helper()
	files := readTxtar(t, filepath.Join("testdata", "catchup", name+".txtar"))
	exFiles, solFiles := map[string][]byte{}, map[string][]byte{}
	want = map[string]string{}
	for p, body := range files {
		dir, base, _ := strings.Cut(p, "/")
		switch dir {
		case "exercise":
			exFiles[base] = []byte(body)
		case "solution":
			solFiles[base] = []byte(body)
		case "want":
			want[base] = body
		}
	}
	ex, err := parseSrc("exercise", exFiles)
	if err != nil {
		t.Fatal(err)
	}
	sol, err = parseSrc("solution", solFiles)
	if err != nil {
		t.Fatal(err)
	}
	return ex, sol, want
}

var basicSteps = []StepDef{
	{N: 1, Title: "Copy", Code: []string{"NewServer"}},
	{N: 2, Title: "Get", Code: []string{"Server.Get"}},
	{N: 3, Title: "Put", Code: []string{"Cache.Put", "Limit", "Allow"}},
}

func TestCatchup(t *testing.T) {
	ex, sol, want := catchupFixture(t, "basic")
	res, err := catchup(ex, sol, basicSteps[:2])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.order, []string{"server.go"}) {
		t.Errorf("files written = %q, want only server.go", res.order)
	}
	if got := string(res.files["server.go"]); got != want["server.go"] {
		t.Errorf("server.go after catchup to step 2:\n%s\nwant:\n%s", got, want["server.go"])
	}
	if !slices.Equal(res.added, []string{"Server.lookup", "errNotFound"}) {
		t.Errorf("helpers added = %q", res.added)
	}
	for name, file := range map[string]string{"NewServer": "server.go", "Server.lookup": "server.go", "errNotFound": "server.go"} {
		if res.where[name] != file {
			t.Errorf("where[%s] = %q, want %q", name, res.where[name], file)
		}
	}

	// Step 3 as well: the const and the generic method change, labkit is
	// no longer imported anywhere, and a helper already brought along by
	// step 2 is not added twice.
	res, err = catchup(ex, sol, basicSteps)
	if err != nil {
		t.Fatal(err)
	}
	limit := string(res.files["limit.go"])
	for _, s := range []string{"// Limit is step 3 too.\nconst Limit = 10\n", "return errTooMany", "var errTooMany = errNotFound",
		"// burst is what may go over it.\nconst burst = 2\n"} {
		if !strings.Contains(limit, s) {
			t.Errorf("limit.go lacks %q:\n%s", s, limit)
		}
	}
	server := string(res.files["server.go"])
	if strings.Contains(limit+server, "labkit") || strings.Count(server, "var errNotFound") != 1 ||
		!strings.Contains(server, "{ c.m[k] = v; return nil }") {
		t.Errorf("after step 3:\n%s\n%s", server, limit)
	}
	if strings.Contains(server, "unused") {
		t.Error("a solution declaration nothing uses was copied")
	}
}

// A learner's work outside steps 1..N survives: their own helpers, their
// code for later steps, their comments and files.
func TestCatchupKeepsLearnersWork(t *testing.T) {
	ex, sol, _ := catchupFixture(t, "basic")
	files := map[string][]byte{}
	for name, b := range ex.files {
		files[name] = b
	}
	mine := "\n// mine is the learner's own helper.\nfunc mine() int { return 42 } // keep me\n"
	later := "func (c *Cache[K, V]) Put(k K, v V) error {\n\t// the learner's own try at step 3\n\treturn nil\n}"
	files["server.go"] = []byte(strings.Replace(string(files["server.go"]),
		`func (c *Cache[K, V]) Put(k K, v V) error { return labkit.TODO("Cache.Put") }`, later, 1) + mine)
	files["notes.go"] = []byte("package exercise\n\n// Notes are mine.\nvar Notes = \"x\"\n")
	ex, err := parseSrc("exercise", files)
	if err != nil {
		t.Fatal(err)
	}
	res, err := catchup(ex, sol, basicSteps[:2])
	if err != nil {
		t.Fatal(err)
	}
	server := string(res.files["server.go"])
	for _, s := range []string{later, "func mine() int { return 42 } // keep me", "return s.lookup(id)"} {
		if !strings.Contains(server, s) {
			t.Errorf("server.go lost %q:\n%s", s, server)
		}
	}
	if _, ok := res.files["notes.go"]; ok {
		t.Error("catchup rewrote a file it had nothing to do with")
	}
}

func TestCatchupErrors(t *testing.T) {
	ex, sol, _ := catchupFixture(t, "basic")
	for _, c := range []struct {
		steps []StepDef
		want  string
	}{
		{[]StepDef{{N: 1, Code: []string{"Nowhere"}}}, "step 1 lists Nowhere on its Code: line, which solution/ does not declare"},
		{[]StepDef{{N: 2, Code: []string{"Server"}}}, ""},
	} {
		_, err := catchup(ex, sol, c.steps)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("catchup(%v): error %v, want %q", c.steps, err, c.want)
		}
	}
	if _, err := parseSrc("exercise", map[string][]byte{"x.go": []byte("package exercise\nfunc {")}); err == nil ||
		!strings.Contains(err.Error(), "exercise/x.go does not parse") {
		t.Errorf("parse error: %v", err)
	}
}

func TestTODOFuncs(t *testing.T) {
	ex, _, _ := catchupFixture(t, "basic")
	names, stray := todoFuncs(ex)
	if !slices.Equal(names, []string{"Allow", "Server.Get", "Cache.Put"}) || len(stray) != 0 {
		t.Errorf("todoFuncs = %q, %q", names, stray)
	}
	p, err := parseSrc("exercise", map[string][]byte{"x.go": []byte("package exercise\n\nvar x = labkit.TODO(\"x\")\n")})
	if err != nil {
		t.Fatal(err)
	}
	if _, stray := todoFuncs(p); !slices.Equal(stray, []string{"x.go:3"}) {
		t.Errorf("stray TODO = %q", stray)
	}
}

func TestImportName(t *testing.T) {
	for path, want := range map[string]string{
		`"context"`: "context", `"github.com/redis/go-redis/v9"`: "redis", `"gopkg.in/yaml.v3"`: "yaml",
		`"google.golang.org/grpc/status"`: "status", `"example.com/some-pkg"`: "somepkg",
	} {
		p, err := parseSrc("x", map[string][]byte{"x.go": []byte("package x\nimport " + path + "\n")})
		if err != nil {
			t.Fatal(err)
		}
		if got := importName(p.parsed["x.go"].Imports[0]); got != want {
			t.Errorf("importName(%s) = %q, want %q", path, got, want)
		}
	}
}

// A type the solution adds comes with all its methods (an interface may
// be their only caller), and a method reached through a chain of calls
// (x.a().b()) is found too.
func TestCatchupBringsMethods(t *testing.T) {
	ex, sol, _ := catchupFixture(t, "methods")
	res, err := catchup(ex, sol, []StepDef{{N: 1, Code: []string{"New", "Spill"}}})
	if err != nil {
		t.Fatal(err)
	}
	added := slices.Sorted(slices.Values(res.added))
	if !slices.Equal(added, []string{"disk", "disk.Get", "disk.unusedButAMethod", "first", "mem.self", "mem.with", "second"}) {
		t.Errorf("added = %q", res.added)
	}
	got := string(res.files["store.go"])
	if strings.Contains(got, "unused()") {
		t.Errorf("a method of an existing type that nothing calls was copied:\n%s", got)
	}
	for _, want := range []string{"func New() Store { return mem{}.with(1).self() }", "// Get is called only through Store.\nfunc (d disk) Get() int",
		"const (\n\tfirst = iota\n\tsecond\n)"} {
		if !strings.Contains(got, want) {
			t.Errorf("store.go lacks %q:\n%s", want, got)
		}
	}
}
