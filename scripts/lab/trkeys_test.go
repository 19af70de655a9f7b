package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// trKeys finds every constant string handed to tr in the runner's source.
func trKeys(t *testing.T) map[string]string {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	keys := map[string]string{}
	for _, f := range files {
		if len(f) > 8 && f[len(f)-8:] == "_test.go" {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || len(c.Args) != 1 {
				return true
			}
			name := ""
			switch fn := c.Fun.(type) {
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			case *ast.Ident:
				name = fn.Name
			}
			if name != "tr" {
				return true
			}
			if s, ok := constString(c.Args[0]); ok {
				keys[s] = fset.Position(c.Pos()).String()
			}
			return true
		})
		ast.Inspect(af, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				name := ""
				switch fn := x.Fun.(type) {
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				case *ast.Ident:
					name = fn.Name
				}
				arg := map[string]int{"usagef": 0, "newFlags": 2}
				if i, ok := arg[name]; ok && len(x.Args) > i {
					if s, ok := constString(x.Args[i]); ok {
						keys[s] = fset.Position(x.Pos()).String()
					}
				}
			case *ast.CompositeLit: // the commands table: []command{{name, args, summary, run}, ...}
				if at, ok := x.Type.(*ast.ArrayType); ok {
					if id, ok := at.Elt.(*ast.Ident); ok && id.Name == "command" {
						for _, e := range x.Elts {
							if c, ok := e.(*ast.CompositeLit); ok && len(c.Elts) == 4 {
								if s, ok := constString(c.Elts[2]); ok {
									keys[s] = fset.Position(c.Pos()).String()
								}
							}
						}
					}
				}
			}
			return true
		})
	}
	return keys
}

// constString evaluates a string literal or a + of them.
func constString(e ast.Expr) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			s, err := strconv.Unquote(x.Value)
			return s, err == nil
		}
	case *ast.BinaryExpr:
		if x.Op == token.ADD {
			a, ok1 := constString(x.X)
			b, ok2 := constString(x.Y)
			return a + b, ok1 && ok2
		}
	case *ast.ParenExpr:
		return constString(x.X)
	}
	return "", false
}

// Messages that reach tr through a variable: the progress words, the
// package problems, the reasons a result is stale, the "other tests" line.
var dynamicKeys = []string{
	"done", "in progress", "not started", "build fails",
	"build failed", "goroutine leak (goleak, after all tests)", "data race outside any test", "panic outside any test",
	"the test binary crashed (go test put the trace in a test that had finished)", "package failed",
	"the Go release, the environment or the dependencies changed", "its files changed",
	"other tests (not listed in README Steps)",
}

// englishOnly are the files whose messages stay English: verify and its
// phases, doctor and load speak to maintainers and CI logs.
var englishOnly = []string{"verify.go", "catchupcheck.go", "twins.go", "doctor.go", "load.go"}

// Every message of the learner's commands has a Chinese text with the
// same format verbs, and no Chinese text is left without its message.
func TestChineseMessages(t *testing.T) {
	keys := trKeys(t)
	for _, k := range dynamicKeys {
		keys[k] = "(dynamic)"
	}
	for k, at := range keys {
		if slices.ContainsFunc(englishOnly, func(f string) bool { return strings.HasPrefix(at, f+":") }) {
			continue
		}
		z, ok := zh[k]
		if !ok {
			t.Errorf("%s: %q has no Chinese text in zh.go", at, k)
			continue
		}
		if ev, zv := verbs(k), verbs(z); !maps.Equal(ev, zv) {
			t.Errorf("%q and its Chinese %q differ in format verbs: %v vs %v", k, z, ev, zv)
		}
	}
	for k := range zh {
		if _, ok := keys[k]; !ok {
			t.Errorf("zh.go has %q, which the runner never says", k)
		}
	}
}

var verbRe = regexp.MustCompile(`%(\[\d+\])?[-+# 0*]*\d*(\.\d+)?[a-zA-Z%]`)

// verbs maps each argument index to its verb, resolving %[n]x indexes.
func verbs(format string) map[int]string {
	out := map[int]string{}
	next := 1
	for _, m := range verbRe.FindAllString(format, -1) {
		if strings.HasSuffix(m, "%") {
			continue
		}
		v := m
		if i := strings.Index(m, "["); i >= 0 {
			j := strings.Index(m, "]")
			next, _ = strconv.Atoi(m[i+1 : j])
			v = m[:i] + m[j+1:]
		}
		if strings.Contains(v, "*") { // a width argument first
			out[next] = "*"
			next++
			v = strings.Replace(v, "*", "", 1)
		}
		out[next] = v
		next++
	}
	return out
}

// With LAB_LANG=zh (or a zh_* locale) the runner speaks Chinese.
func TestDetectLang(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, langEN},
		{map[string]string{"LAB_LANG": "zh"}, langZH},
		{map[string]string{"LAB_LANG": "zh-CN"}, langZH},
		{map[string]string{"LAB_LANG": "en", "LANG": "zh_CN.UTF-8"}, langEN},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, langZH},
		{map[string]string{"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, langZH},
		{map[string]string{"LC_ALL": "C", "LC_MESSAGES": "zh_CN.UTF-8"}, langEN},
		{map[string]string{"LC_ALL": "zh_CN.UTF-8", "LANG": "C"}, langZH},
		{map[string]string{"LANG": "fr_FR.UTF-8"}, langEN},
	} {
		if got := detectLang(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("detectLang(%v) = %q, want %q", c.env, got, c.want)
		}
	}
}
