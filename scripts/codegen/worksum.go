package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// sumCommands are the go commands that record checksums in go.work.sum:
// `go list -m all` needs the go.mod checksum of every module in the graph
// (`go test work` loads the same graph), `go mod download` the zip checksum
// of every module in the build list, a superset of what any build needs.
var sumCommands = [][]string{{"list", "-m", "all"}, {"mod", "download"}}

// checkWorkSum keeps go.work.sum complete. With check set it says what is
// missing ("" when nothing is) and changes nothing; otherwise it rewrites
// go.work.sum from nothing, so checksums no module needs any more go too.
func checkWorkSum(root string, check bool) (string, error) {
	file := filepath.Join(root, "go.work.sum")
	have, err := os.ReadFile(file)
	if err != nil && !os.IsNotExist(err) {
		return "", err
	}
	start := have
	if !check {
		start = nil
	}
	want, err := workSum(root, start)
	if err != nil {
		return "", err
	}
	if bytes.Equal(bytes.ReplaceAll(have, []byte("\r\n"), []byte("\n")), want) {
		return "", nil
	}
	if check {
		added := len(strings.Split(strings.TrimSpace(string(want)), "\n")) - len(strings.Split(strings.TrimSpace(string(have)), "\n"))
		return fmt.Sprintf("drift: go.work.sum (incomplete: `go list -m all` and `go mod download` would add %d lines to it)", added), nil
	}
	if err := os.WriteFile(file, want, 0o644); err != nil {
		return "", err
	}
	return "go.work.sum rewritten", nil
}

// workSum runs sumCommands against a copy of the workspace's go.work
// (with absolute paths) and of start as its go.work.sum, in a temporary
// directory, and returns the go.work.sum they leave. The go.sum files of
// the modules are only read: in workspace mode the go command writes new
// checksums to go.work.sum alone.
func workSum(root string, start []byte) ([]byte, error) {
	work, err := absWork(root)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "codegen-worksum-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	gowork := filepath.Join(tmp, "go.work")
	if err := os.WriteFile(gowork, work, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "go.work.sum"), start, 0o644); err != nil {
		return nil, err
	}
	for _, args := range sumCommands {
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOWORK="+gowork)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = nil, &out
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
	}
	b, err := os.ReadFile(filepath.Join(tmp, "go.work.sum"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	return b, err
}

// absWork is root's go.work with every local path made absolute, so that
// it means the same from another directory.
func absWork(root string) ([]byte, error) {
	cmd := exec.Command("go", "work", "edit", "-json")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOWORK="+filepath.Join(root, "go.work"))
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go work edit -json: %v", err)
	}
	var w struct {
		Go, Toolchain string
		Godebug       []struct{ Key, Value string }
		Use           []struct{ DiskPath string }
		Replace       []struct {
			Old, New struct{ Path, Version string }
		}
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(root, filepath.FromSlash(p))
	}
	var out strings.Builder
	fmt.Fprintf(&out, "go %s\n", w.Go)
	if w.Toolchain != "" {
		fmt.Fprintf(&out, "toolchain %s\n", w.Toolchain)
	}
	for _, g := range w.Godebug {
		fmt.Fprintf(&out, "godebug %s=%s\n", g.Key, g.Value)
	}
	for _, u := range w.Use {
		fmt.Fprintf(&out, "use %s\n", strconv.Quote(abs(u.DiskPath)))
	}
	for _, r := range w.Replace {
		old := strconv.Quote(r.Old.Path) + " " + r.Old.Version
		repl := strconv.Quote(r.New.Path) + " " + r.New.Version
		if r.New.Version == "" && (strings.HasPrefix(r.New.Path, "./") || strings.HasPrefix(r.New.Path, "../")) {
			repl = strconv.Quote(abs(r.New.Path))
		}
		fmt.Fprintf(&out, "replace %s => %s\n", strings.TrimSpace(old), strings.TrimSpace(repl))
	}
	return []byte(out.String()), nil
}
