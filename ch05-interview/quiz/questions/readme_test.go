package questions

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestREADMEShowsTheCode: the quiz README prints every question's code, and
// it must be exactly the code the suite runs. Each question's block is the
// first Go code block after the line that names it as "`id`**".
func TestREADMEShowsTheCode(t *testing.T) {
	src, err := os.ReadFile("questions.go")
	if err != nil {
		t.Fatal(err)
	}
	decls := declSources(t, src)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(readme), "\n")
	for _, q := range All {
		var want []string
		for _, name := range q.Show {
			d, ok := decls[name]
			if !ok {
				t.Fatalf("%s shows %q, which questions.go does not declare", q.ID, name)
			}
			want = append(want, d)
		}
		got, ok := codeAfter(lines, "`"+q.ID+"`**")
		if !ok {
			t.Errorf("README.md has no **... `%s`** line followed by a ```go block", q.ID)
			continue
		}
		if w := strings.Join(want, "\n\n"); got != w {
			t.Errorf("README.md shows for %s:\n%s\n\nquestions.go runs:\n%s", q.ID, got, w)
		}
	}
}

// declSources maps each top-level name to its source; a type's methods
// follow its declaration.
func declSources(t *testing.T, src []byte) map[string]string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "questions.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	text := func(n ast.Node) string {
		return string(src[fset.Position(n.Pos()).Offset:fset.Position(n.End()).Offset])
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				out[d.Name.Name] = text(d)
				continue
			}
			typ := d.Recv.List[0].Type
			if s, ok := typ.(*ast.StarExpr); ok {
				typ = s.X
			}
			name := typ.(*ast.Ident).Name
			out[name] += "\n\n" + text(d)
		case *ast.GenDecl:
			if d.Tok == token.TYPE {
				name := d.Specs[0].(*ast.TypeSpec).Name.Name
				out[name] = text(d) + out[name]
			}
		}
	}
	return out
}

// codeAfter returns the first ```go block after the line containing
// marker, without the block's indentation.
func codeAfter(lines []string, marker string) (string, bool) {
	for i, l := range lines {
		if !strings.Contains(l, marker) {
			continue
		}
		for j := i + 1; j < len(lines); j++ {
			fence := lines[j]
			if strings.TrimSpace(fence) != "```go" {
				continue
			}
			indent := fence[:len(fence)-len(strings.TrimLeft(fence, " "))]
			var body []string
			for k := j + 1; k < len(lines); k++ {
				if strings.TrimSpace(lines[k]) == "```" {
					return strings.Join(body, "\n"), true
				}
				body = append(body, strings.TrimPrefix(lines[k], indent))
			}
		}
	}
	return "", false
}
