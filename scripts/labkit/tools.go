package labkit

import (
	"os"
	"os/exec"
	"testing"
)

// RequireToolsEnv makes [LookTool] fail instead of skip. CI sets it, so a
// cross-check against a real tool can never be skipped there by accident.
const RequireToolsEnv = "LAB_REQUIRE_TOOLS"

// LookTool returns the path of an external program a cross-check test runs
// (protoc, nghttp, ...). Without it the test is skipped with the package to
// install, or fails when LAB_REQUIRE_TOOLS=1.
func LookTool(t testing.TB, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := name + " not found on PATH; install it (Debian/Ubuntu: apt-get install " + debianPackage + ") to run this cross-check"
	if os.Getenv(RequireToolsEnv) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
