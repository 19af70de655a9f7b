package main

import (
	"crypto/sha256"
	"encoding/hex"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// inputKey fingerprints what a lab's exercise result depends on, so the
// runner can answer from the last result when none of it changed. Reading
// and hashing the files takes milliseconds; `go list -deps` would take a
// second per call, and go test itself does not cache a failing result.
type inputKey struct {
	// Files covers every file of the lab but solution/ (exercise, suite,
	// shared types, testdata, README) and every workspace package outside
	// the lab that the exercise imports, directly or not (the chapter's
	// gen/ code, scripts/labkit).
	Files string `json:"files"`
	// Env covers what can change every lab's result at once: the Go
	// release and platform, the environment go test sees, go.work and
	// go.work.sum, and every module's go.mod and go.sum.
	Env string `json:"env"`
}

// inputs computes keys for the labs of one repository, sharing the work
// for packages that several labs import.
type inputs struct {
	root    string
	modules []wsModule
	env     string
	dirs    map[string]*pkgFiles
}

type wsModule struct{ path, dir string }

// pkgFiles is what one directory contributes: a hash of its files and the
// import paths of its Go files.
type pkgFiles struct {
	hash    string
	imports []string
}

// envVars are the variables, besides every LAB_*, whose value changes what
// go test builds or how the suites behave.
var envVars = []string{"GOFLAGS", "GOEXPERIMENT", "CGO_ENABLED", "CC", "CGO_CFLAGS", "GODEBUG", "GOAMD64", "GOARM64", "GOTOOLCHAIN"}

// newInputs reads the workspace's modules and hashes the shared inputs.
// extraEnv is the environment the runner adds to its go commands.
func newInputs(repo *Repo, extraEnv []string) *inputs {
	in := &inputs{root: repo.Root, dirs: map[string]*pkgFiles{}}
	h := sha256.New()
	line := func(parts ...string) { h.Write([]byte(strings.Join(parts, "\x00") + "\n")) }
	line("go", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	var vars []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "LAB_") || slices.Contains(envVars, name) {
			vars = append(vars, kv)
		}
	}
	slices.Sort(vars)
	line(append(vars, extraEnv...)...)
	for _, f := range []string{"go.work", "go.work.sum"} {
		line(f, fileHash(filepath.Join(repo.Root, f)))
	}
	for _, m := range repo.Modules {
		dir := filepath.Join(repo.Root, filepath.FromSlash(m))
		line(m, fileHash(filepath.Join(dir, "go.mod")), fileHash(filepath.Join(dir, "go.sum")))
		if mp, err := modulePath(filepath.Join(dir, "go.mod")); err == nil {
			in.modules = append(in.modules, wsModule{mp, dir})
		}
	}
	in.env = hex.EncodeToString(h.Sum(nil))
	return in
}

// key fingerprints one lab.
func (in *inputs) key(l *Lab) inputKey {
	h := sha256.New()
	local := map[string]bool{} // directories inside the lab, already hashed by the walk
	filepath.WalkDir(l.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a file that vanished mid-walk: the next run sees the change
		}
		if p != l.Dir && ignoredName(d.Name()) || p == l.SolutionDir() {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			local[p] = true
			return nil
		}
		rel, _ := filepath.Rel(l.Dir, p)
		h.Write([]byte(filepath.ToSlash(rel) + "\x00" + fileHash(p) + "\n"))
		return nil
	})
	// Follow the exercise's imports (its tests' too) through the workspace.
	seen := map[string]bool{}
	queue := in.dir(l.ExerciseDir(), true).imports
	var outside []string
	for len(queue) > 0 {
		ip := queue[0]
		queue = queue[1:]
		if seen[ip] {
			continue
		}
		seen[ip] = true
		dir, ok := in.resolve(ip)
		if !ok {
			continue // the standard library or a dependency: go.sum and the Go version cover it
		}
		pf := in.dir(dir, false)
		if !local[dir] {
			outside = append(outside, ip+"\x00"+pf.hash)
		}
		queue = append(queue, pf.imports...)
	}
	slices.Sort(outside)
	for _, s := range outside {
		h.Write([]byte(s + "\n"))
	}
	return inputKey{Files: hex.EncodeToString(h.Sum(nil)), Env: in.env}
}

// resolve maps an import path to a directory of a workspace module.
func (in *inputs) resolve(ip string) (string, bool) {
	best := -1
	for i, m := range in.modules {
		if (ip == m.path || strings.HasPrefix(ip, m.path+"/")) && (best < 0 || len(m.path) > len(in.modules[best].path)) {
			best = i
		}
	}
	if best < 0 {
		return "", false
	}
	m := in.modules[best]
	return filepath.Join(m.dir, filepath.FromSlash(strings.TrimPrefix(ip[len(m.path):], "/"))), true
}

// dir hashes one directory's files (not its subdirectories) and reads the
// imports of its Go files. Build constraints are ignored on purpose: an
// import too many costs a re-run when that package changes, one too few
// would show a stale result. Test files count only when withTests is set
// (the exercise itself); a dependency's tests cannot change the result.
func (in *inputs) dir(dir string, withTests bool) *pkgFiles {
	k := dir + "\x00" + strconv.FormatBool(withTests)
	if pf := in.dirs[k]; pf != nil {
		return pf
	}
	pf := &pkgFiles{}
	in.dirs[k] = pf
	entries, err := os.ReadDir(dir)
	if err != nil {
		pf.hash = "missing"
		return pf
	}
	h := sha256.New()
	imports := map[string]bool{}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || ignoredName(name) || !withTests && strings.HasSuffix(name, "_test.go") {
			continue
		}
		p := filepath.Join(dir, name)
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		sum := sha256.Sum256(b)
		h.Write([]byte(name + "\x00" + hex.EncodeToString(sum[:]) + "\n"))
		if !strings.HasSuffix(name, ".go") {
			continue
		}
		if f, err := parser.ParseFile(fset, p, b, parser.ImportsOnly); err == nil {
			for _, im := range f.Imports {
				if s, err := strconv.Unquote(im.Path.Value); err == nil {
					imports[s] = true
				}
			}
		}
	}
	pf.hash = hex.EncodeToString(h.Sum(nil))
	for ip := range imports {
		pf.imports = append(pf.imports, ip)
	}
	slices.Sort(pf.imports)
	return pf
}

// ignoredName is what the go command ignores too (and editors' swap files).
func ignoredName(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// fileHash is a file's SHA-256, or "missing".
func fileHash(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return "missing"
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
