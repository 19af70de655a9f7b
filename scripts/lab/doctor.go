package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// goEnv reads a few `go env` values in one call.
func goEnv(ctx context.Context, dir string, names ...string) (map[string]string, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"env", "-json"}, names...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go env failed: %v %s", err, strings.TrimSpace(stderr.String()))
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("go env printed something unexpected: %v", err)
	}
	return m, nil
}

// raceSupport reports whether -race can work here: it needs cgo and a C
// compiler. The answer is cached for the life of the process (watch asks
// on every run), unless the probe was cut short by a cancelled context:
// that says nothing about the machine.
var raceSupport = func() func(context.Context) (bool, string) {
	var mu sync.Mutex
	var known, ok bool
	var why string
	return func(ctx context.Context) (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		if !known {
			ok, why = probeRace(ctx)
			known = ctx.Err() == nil
		}
		return ok, why
	}
}()

func probeRace(ctx context.Context) (bool, string) {
	env, err := goEnv(ctx, "", "CGO_ENABLED", "CC")
	if err != nil {
		return false, err.Error()
	}
	if env["CGO_ENABLED"] != "1" {
		return false, "cgo is disabled (go env CGO_ENABLED is not 1); -race needs it"
	}
	if _, err := lookCC(env["CC"]); err != nil {
		return false, err.Error()
	}
	return true, ""
}

// lookCC finds the C compiler named by `go env CC` (which may carry flags).
func lookCC(cc string) (string, error) {
	f := strings.Fields(cc)
	if len(f) == 0 {
		return "", fmt.Errorf("go env CC is empty; -race needs a C compiler")
	}
	p, err := exec.LookPath(f[0])
	if err != nil {
		return "", fmt.Errorf("the C compiler %q (go env CC) is not on PATH; -race needs it (install gcc or clang)", f[0])
	}
	return p, nil
}

type finding struct {
	level string // "ok", "warn", "fail"
	what  string
	note  string
}

// cmdDoctor checks what the labs need and prints a block to paste when
// asking for help. It exits 1 when something essential is missing.
func cmdDoctor(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("doctor", "", "Check that this machine can run the labs: Go, cgo and a C compiler\n(for -race), a writable module cache, loopback ports, git, the workspace.")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	var findings []finding
	add := func(level, what, note string) { findings = append(findings, finding{level, what, note}) }

	goVersion := "unknown"
	if b, err := exec.CommandContext(ctx, "go", "version").Output(); err == nil {
		goVersion = strings.TrimSpace(string(b))
		add("ok", "go", goVersion+" (runner built with "+runtime.Version()+")")
	} else {
		add("fail", "go", "`go version` failed: "+err.Error()+"; install Go 1.26 or later from https://go.dev/dl")
	}
	add("ok", "platform", runtime.GOOS+"/"+runtime.GOARCH)

	env, err := goEnv(ctx, a.dir, "CGO_ENABLED", "CC", "GOMODCACHE", "GOFLAGS", "GOPROXY", "GOWORK")
	if err != nil {
		add("fail", "go env", err.Error())
		env = map[string]string{}
	}
	if env["CGO_ENABLED"] == "1" {
		add("ok", "cgo", "CGO_ENABLED=1")
	} else {
		add("warn", "cgo", "CGO_ENABLED="+env["CGO_ENABLED"]+": tests run without -race, so data races go unnoticed")
	}
	if p, err := lookCC(env["CC"]); err == nil {
		add("ok", "C compiler", env["CC"]+" ("+p+")")
	} else {
		add("warn", "C compiler", err.Error()+"; tests run without -race")
	}
	if mc := env["GOMODCACHE"]; mc == "" {
		add("fail", "module cache", "go env GOMODCACHE is empty")
	} else if err := writable(mc); err != nil {
		add("fail", "module cache", mc+" is not writable: "+err.Error())
	} else {
		add("ok", "module cache", mc+" (writable)")
	}
	if l, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		add("ok", "loopback", "can listen on "+l.Addr().String())
		l.Close()
	} else {
		add("fail", "loopback", "cannot listen on 127.0.0.1:0 ("+err.Error()+"); the labs' loopback tests need it")
	}
	if p, err := exec.LookPath("git"); err == nil {
		add("ok", "git", p)
	} else {
		add("warn", "git", "not on PATH; `lab reset` needs it")
	}
	var mods []string
	if root, err := findRoot(a.dir); err != nil {
		add("fail", "workspace", err.Error())
	} else if uses, err := workUses(filepath.Join(root, "go.work")); err != nil {
		add("fail", "workspace", err.Error())
	} else {
		add("ok", "workspace", filepath.Join(root, "go.work"))
		for _, u := range uses {
			if _, err := os.Stat(filepath.Join(root, u, "go.mod")); err != nil {
				add("fail", "module "+u, "listed in go.work but has no go.mod")
				continue
			}
			mods = append(mods, u)
		}
		add("ok", "modules", strings.Join(mods, ", "))
	}

	failed := false
	for _, f := range findings {
		mark := a.out.paint(green, "ok  ")
		switch f.level {
		case "warn":
			mark = a.out.paint(yellow, "warn")
		case "fail":
			mark = a.out.paint(red, "FAIL")
			failed = true
		}
		a.out.Printf("  %s  %-13s %s\n", mark, f.what, f.note)
	}
	a.out.Println("\nPaste this when asking for help:")
	a.out.Println("```text")
	a.out.Printf("lab doctor\n")
	for _, f := range findings {
		a.out.Printf("%-4s %-13s %s\n", f.level, f.what, f.note)
	}
	a.out.Printf("GOFLAGS=%q GOPROXY=%q GOWORK=%q\n", env["GOFLAGS"], env["GOPROXY"], env["GOWORK"])
	a.out.Println("```")
	if failed {
		return exitError{1}
	}
	return nil
}

// writable checks by creating (and removing) a file, the only test that is
// right on every OS and file system.
func writable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".lab-doctor-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}
