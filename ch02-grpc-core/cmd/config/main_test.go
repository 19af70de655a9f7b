package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConfigProgram(t *testing.T) {
	srv := demotest.Start(t, run, "-serve", "-addr", "127.0.0.1:0")
	if !strings.Contains(srv.Stdout.String(), "(impl=solution, ConfigService)") {
		t.Errorf("server banner %q, want impl=solution", srv.Stdout)
	}
	addr := srv.Addr

	cli := func(args ...string) (string, error) {
		out, _, err := demotest.Run(t.Context(), run, "", append([]string{"-addr", addr}, args...)...)
		return out, err
	}
	if _, err := cli("-get", "db/pool_size"); err == nil || !strings.Contains(err.Error(), "NotFound") {
		t.Fatalf("-get of an unset key: %v, want NotFound", err)
	}

	// -watch prints the current entry, then each change, until Ctrl-C.
	ctx, ctrlC := context.WithCancel(t.Context())
	r, w := io.Pipe()
	watched := make(chan error, 1)
	go func() {
		watched <- run(ctx, []string{"-addr", addr, "-watch", "db/pool_size"}, demo.IO{In: strings.NewReader(""), Out: w, Err: io.Discard})
		w.Close()
	}()
	lines := bufio.NewScanner(r)
	next := func(want string) {
		t.Helper()
		if !lines.Scan() || lines.Text() != want {
			t.Fatalf("-watch printed %q, want %q", lines.Text(), want)
		}
	}
	next("db/pool_size (not set)")
	if out, err := cli("-set", "db/pool_size=20"); err != nil || out != "db/pool_size = \"20\" (version 1)\n" {
		t.Fatalf("-set: %q, %v", out, err)
	}
	next(`db/pool_size = "20" (version 1)`)
	if out, err := cli("-get", "db/pool_size"); err != nil || out != "db/pool_size = \"20\" (version 1)\n" {
		t.Fatalf("-get: %q, %v", out, err)
	}
	ctrlC()
	go io.Copy(io.Discard, r)
	if err := <-watched; err != nil {
		t.Fatalf("-watch after Ctrl-C: %v, want nil", err)
	}
	if _, err := cli("-set", "Bad Key=1"); err == nil || !strings.Contains(err.Error(), "InvalidArgument") {
		t.Fatalf("-set of a malformed key: %v, want InvalidArgument", err)
	}
}

// TestServerGoesAway: a watch whose server stops ends with an error that
// says the server was lost, not that it could not be reached.
func TestServerGoesAway(t *testing.T) {
	srv := demotest.Start(t, run, "-serve", "-addr", "127.0.0.1:0", "-grace", "1ms")
	r, w := io.Pipe()
	watched := make(chan error, 1)
	go func() {
		_, _, err := demotest.Run(t.Context(), func(ctx context.Context, args []string, stdio demo.IO) error {
			return run(ctx, args, demo.IO{In: stdio.In, Out: w, Err: stdio.Err})
		}, "", "-addr", srv.Addr, "-watch", "k")
		w.Close()
		watched <- err
	}()
	if !bufio.NewScanner(r).Scan() {
		t.Fatal("-watch printed nothing")
	}
	go io.Copy(io.Discard, r)
	if err := srv.Stop(t); err != nil {
		t.Fatal(err)
	}
	if err := <-watched; err == nil || !strings.Contains(err.Error(), "lost the config server") {
		t.Fatalf("-watch after the server stopped: %v, want \"lost the config server ...\"", err)
	}
}

func TestBadInvocations(t *testing.T) {
	for _, args := range [][]string{
		{}, {"-bogus"}, {"-get", "a", "-set", "a=1"}, {"-set", "novalue", "-addr", "127.0.0.1:1"},
		{"-serve", "-impl", "mine"}, {"-get", "a", "extra"},
	} {
		_, _, err := demotest.Run(t.Context(), run, "", args...)
		var ue *demo.UsageError
		if !errors.As(err, &ue) {
			t.Errorf("config %q: %v, want a usage error (exit 2)", args, err)
		}
	}
}
