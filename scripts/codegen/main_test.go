package main

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// When FAKE_BUF is set, the test binary plays buf: `generate --output DIR`
// writes DIR/gen/user/v1/user.pb.go holding $FAKE_BUF.
func TestMain(m *testing.M) {
	if body, ok := os.LookupEnv("FAKE_BUF"); ok {
		out := os.Args[len(os.Args)-1]
		dir := filepath.Join(out, "gen", "user", "v1")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			os.Exit(3)
		}
		if err := os.WriteFile(filepath.Join(dir, "user.pb.go"), []byte(body), 0o644); err != nil {
			os.Exit(3)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDrift(t *testing.T) {
	fakeBuf := []string{os.Args[0]}
	for _, tc := range []struct {
		name      string
		committed map[string]string // files under gen/
		want      []string
	}{
		{"up to date", map[string]string{"user/v1/user.pb.go": "v1\n"}, nil},
		{"windows line endings are not drift", map[string]string{"user/v1/user.pb.go": "v1\r\n"}, nil},
		{"edited by hand", map[string]string{"user/v1/user.pb.go": "v0\n"}, []string{"user/v1/user.pb.go (changed)"}},
		{"never committed", nil, []string{"user/v1/user.pb.go (missing: not committed)"}},
		{"proto deleted, output kept", map[string]string{
			"user/v1/user.pb.go": "v1\n",
			"old/v1/old.pb.go":   "x\n",
		}, []string{"old/v1/old.pb.go (stale: no longer generated)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("FAKE_BUF", "v1\n")
			ch := t.TempDir()
			for name, body := range tc.committed {
				write(t, filepath.Join(ch, "gen", name), body)
			}
			got, err := drift(fakeBuf, ch)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("drift = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRegenerateReplacesTree(t *testing.T) {
	t.Setenv("FAKE_BUF", "fresh\n")
	ch := t.TempDir()
	write(t, filepath.Join(ch, "gen", "old", "v1", "old.pb.go"), "stale\n")
	if err := regenerate([]string{os.Args[0]}, ch); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ch, "gen", "old")); !os.IsNotExist(err) {
		t.Errorf("output of a deleted proto survived regeneration (stat: %v)", err)
	}
	got, err := drift([]string{os.Args[0]}, ch)
	if err != nil || len(got) > 0 {
		t.Fatalf("right after regenerating, drift = %q, %v", got, err)
	}
}

func TestGeneratorFailureIsReported(t *testing.T) {
	// A buf that cannot run must be an error, not "no drift".
	_, err := drift([]string{filepath.Join(t.TempDir(), "no-such-buf")}, t.TempDir())
	if err == nil {
		t.Fatal("drift with a missing generator returned no error")
	}
}

// go.work.sum: the check finds what `go list -m all` and `go mod download`
// would add, changes nothing, and regenerating makes it complete. It runs
// offline, from the module cache (go-difflib is a dependency of scripts/).
func TestWorkSum(t *testing.T) {
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOSUMDB", "off")
	t.Setenv("GOFLAGS", "")
	root := t.TempDir()
	write(t, filepath.Join(root, "go.work"), "go 1.26.0\n\nuse ./m\n")
	gomod := "module example.com/m\n\ngo 1.26.0\n\nrequire github.com/pmezard/go-difflib v1.0.0\n"
	gosum := "" // as if the module's go.sum lacked them: the workspace's file must have them
	write(t, filepath.Join(root, "m", "go.mod"), gomod)
	write(t, filepath.Join(root, "m", "go.sum"), gosum)
	write(t, filepath.Join(root, "m", "m.go"), "package m\n")

	msg, err := checkWorkSum(root, true)
	if err != nil && strings.Contains(err.Error(), "GOPROXY=off") {
		t.Skipf("the module cache lacks go-difflib: %v", err)
	}
	if err != nil || !strings.Contains(msg, "drift: go.work.sum (incomplete:") {
		t.Fatalf("check of a missing go.work.sum = %q, %v", msg, err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.work.sum")); !os.IsNotExist(err) {
		t.Fatalf("the check wrote go.work.sum (stat: %v)", err)
	}
	if msg, err := checkWorkSum(root, false); err != nil || msg != "go.work.sum rewritten" {
		t.Fatalf("regenerate = %q, %v", msg, err)
	}
	b, _ := os.ReadFile(filepath.Join(root, "go.work.sum"))
	for _, want := range []string{"github.com/pmezard/go-difflib v1.0.0 h1:", "github.com/pmezard/go-difflib v1.0.0/go.mod h1:"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("go.work.sum lacks %q:\n%s", want, b)
		}
	}
	if msg, err := checkWorkSum(root, true); err != nil || msg != "" {
		t.Errorf("check right after regenerating = %q, %v", msg, err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "m", "go.sum")); string(b) != gosum {
		t.Errorf("the module's go.sum changed:\n%s", b)
	}
}

// A cached build of a pinned tool is reused, and named by its version.
func TestCachedBinary(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache) // Linux
	t.Setenv("HOME", cache)           // macOS: ~/Library/Caches
	t.Setenv("LocalAppData", cache)   // Windows
	dir, err := os.UserCacheDir()
	if err != nil {
		t.Skip(err)
	}
	want := filepath.Join(dir, "grpclabs", "tool-v9.9.9-"+runtime.GOOS+"-"+runtime.GOARCH)
	if runtime.GOOS == "windows" {
		want += ".exe"
	}
	write(t, want, "already built")
	got, err := cachedBinary("example.com/cmd/tool@v9.9.9")
	if err != nil || got != want {
		t.Errorf("cachedBinary = %q, %v; want the cached %q", got, err, want)
	}
}

// Plugins run as `go tool NAME` are pointed at their binaries; other
// plugins and options stay as they are.
func TestRewriteTools(t *testing.T) {
	in := "version: v2\nplugins:\n" +
		"  - local: [\"go\", \"tool\", \"protoc-gen-go\"]\n    out: gen\n" +
		"  - local: [ \"go\",\"tool\",\"protoc-gen-go-vtproto\" ]\n    out: gen\n    opt: features=marshal\n" +
		"  - local: protoc-gen-other\n    out: gen\n" +
		"  - local: [\"go\", \"tool\", \"protoc-gen-go\"]\n    out: gen2\n"
	calls := 0
	got, err := rewriteTools(in, func(name string) (string, error) {
		calls++
		return `C:\bin\` + name, nil
	})
	want := "version: v2\nplugins:\n" +
		"  - local: [\"C:\\\\bin\\\\protoc-gen-go\"]\n    out: gen\n" +
		"  - local: [\"C:\\\\bin\\\\protoc-gen-go-vtproto\"]\n    out: gen\n    opt: features=marshal\n" +
		"  - local: protoc-gen-other\n    out: gen\n" +
		"  - local: [\"C:\\\\bin\\\\protoc-gen-go\"]\n    out: gen2\n"
	if err != nil || got != want || calls != 2 {
		t.Errorf("rewriteTools = %v, %d calls:\n%s\nwant:\n%s", err, calls, got, want)
	}
	if got, err := rewriteTools("plugins:\n  - local: protoc-gen-go\n", nil); got != "" || err != nil {
		t.Errorf("without go tool plugins = %q, %v", got, err)
	}
}
