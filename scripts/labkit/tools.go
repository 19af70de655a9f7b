package labkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RequireToolsEnv makes [LookTool] fail instead of skip. CI sets it, so a
// cross-check against a real tool can never be skipped there by accident.
const RequireToolsEnv = "LAB_REQUIRE_TOOLS"

// LookTool returns the path of an external program a cross-check test runs
// (protoc, nghttp, ...). Without it the test is skipped with the package to
// install, or fails when LAB_REQUIRE_TOOLS=1. Besides PATH it looks in the
// sbin directories, where Debian puts servers (mariadbd) and which are not
// on a normal user's PATH.
func LookTool(t testing.TB, name, debianPackage string) string {
	t.Helper()
	if path, err := exec.LookPath(name); err == nil {
		return path
	}
	for _, dir := range sbinDirs {
		if path, err := exec.LookPath(filepath.Join(dir, name)); err == nil {
			return path
		}
	}
	msg := name + " not found on PATH; install it (Debian/Ubuntu: apt-get install " + debianPackage + ") to run this cross-check"
	if os.Getenv(RequireToolsEnv) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// sbinDirs are searched after PATH (Unix only: none exist on Windows).
var sbinDirs = []string{"/usr/local/sbin", "/usr/sbin", "/sbin"}
