package main

import (
	"bytes"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The hog really spins, and stop leaves no goroutine behind (goleak in
// TestMain checks).
func TestHog(t *testing.T) {
	before := hogSpins.Load()
	h := startHog(2, time.Minute)
	for hogSpins.Load() < before+10 {
		runtime.Gosched() // the hog has no signal but its counter
	}
	h.Stop()
	h.Stop() // twice is fine

	// The time limit stops it on its own.
	h = startHog(1, time.Millisecond)
	<-h.Stopped()
	h.Stop()
}

// load runs the command under load and passes its exit status on.
func TestLoadCommand(t *testing.T) {
	t.Parallel()
	root := fixture(t, nil)
	// load passes its environment on untouched; pin the fixture's
	// workspace, or a GOWORK inherited from the caller (verify sets one) wins.
	env := append(fixtureEnv(), "GOWORK="+filepath.Join(root, "go.work"))
	testApp := func(root string) (*app, *bytes.Buffer, *bytes.Buffer) {
		a, out, errOut := testApp(root)
		a.env = env
		return a, out, errOut
	}
	a, out, errOut := testApp(root)
	if code := run(t, a, "load", "-cpus", "1", "--", "go", "run", "./ch99-fixture/cmd/codegen"); code != 0 ||
		!strings.Contains(out.String(), "codegen: 1 chapters up to date") || !strings.Contains(errOut.String(), "load: keeping 1 core busy") {
		t.Errorf("load: exit %d\n%s%s", code, out, errOut)
	}
	a, out, errOut = testApp(root)
	if code := run(t, a, "load", "-cpus=1", "--", "go", "run", "./ch99-fixture/cmd/codegen", "-drift"); code != 1 {
		t.Errorf("load of a failing command: exit %d, want 1\n%s%s", code, out, errOut)
	}
	a, out, errOut = testApp(root)
	if code := run(t, a, "load", "-cpus=0", "--", "go", "version"); code != 2 {
		t.Errorf("load -cpus=0: exit %d, want 2\n%s%s", code, out, errOut)
	}
}
