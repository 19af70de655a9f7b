package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConfigProgram(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srvCtx, stop := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serveConfig(srvCtx, lis, solution.NewConfigServer(backend.NewConfigStore())) }()
	defer func() { stop(); <-done }()
	addr := lis.Addr().String()

	cli := func(args ...string) (string, error) {
		var out strings.Builder
		err := run(t.Context(), append([]string{"-addr", addr}, args...), &out, io.Discard)
		return out.String(), err
	}
	if _, err := cli("-get", "db/pool_size"); err == nil || !strings.Contains(err.Error(), "NotFound") {
		t.Fatalf("-get of an unset key: %v, want NotFound", err)
	}

	// -watch prints the current entry, then each change, until Ctrl-C.
	ctx, ctrlC := context.WithCancel(t.Context())
	r, w := io.Pipe()
	watched := make(chan error, 1)
	go func() {
		watched <- run(ctx, []string{"-addr", addr, "-watch", "db/pool_size"}, w, io.Discard)
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

func TestBadInvocations(t *testing.T) {
	for _, args := range [][]string{
		{}, {"-bogus"}, {"-get", "a", "-set", "a=1"}, {"-set", "novalue", "-addr", "127.0.0.1:1"},
		{"-serve", "-impl", "mine"}, {"-get", "a", "extra"},
	} {
		if err := run(t.Context(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("config %q: no error, want one", args)
		}
	}
}
