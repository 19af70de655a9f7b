package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func startServer(t *testing.T, store *backend.LogStore) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serveLogs(ctx, lis, solution.NewLogServer(store), nil) }()
	t.Cleanup(func() { cancel(); <-done })
	return lis.Addr().String()
}

func TestTailClient(t *testing.T) {
	store := backend.NewLogStore(0)
	store.Append("GET / 200", "GET /x 500", "POST /y 503")
	addr := startServer(t, store)

	var out strings.Builder
	if err := run(t.Context(), []string{"-addr", addr, "-filter", ` 50\d$`}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if want := "     2  GET /x 500\n     3  POST /y 503\n"; out.String() != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
	}

	err := run(t.Context(), []string{"-addr", addr, "-filter", "("}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "InvalidArgument") {
		t.Fatalf("a bad filter: %v, want InvalidArgument", err)
	}

	// -follow prints new lines as they come and exits cleanly on Ctrl-C.
	ctx, ctrlC := context.WithCancel(t.Context())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", addr, "-filter", "POST", "-follow"}, w, io.Discard)
		w.Close()
	}()
	lines := bufio.NewScanner(r)
	store.Append("POST /z 201")
	for _, want := range []string{"     3  POST /y 503", "     4  POST /z 201"} {
		if !lines.Scan() || lines.Text() != want {
			t.Fatalf("follow printed %q, want %q", lines.Text(), want)
		}
	}
	ctrlC()
	go io.Copy(io.Discard, r)
	if err := <-done; err != nil {
		t.Fatalf("after Ctrl-C: %v, want nil", err)
	}
}

// The file tailer polls: testing/synctest runs its ticker on a fake clock,
// so the test waits no real time.
func TestTailFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(path, []byte("one\ntwo\r\nthr"), 0o644); err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		store := backend.NewLogStore(0)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- tailFile(ctx, f, store, time.Second) }()

		texts := func() []string {
			lines, _, _ := store.Since(0)
			var out []string
			for _, l := range lines {
				out = append(out, l.Text)
			}
			return out
		}
		synctest.Wait() // the tailer has read everything and waits for its ticker
		if got := texts(); !slices.Equal(got, []string{"one", "two"}) {
			t.Fatalf("after the first read: %q, want [one two] (the unfinished line waits)", got)
		}
		af, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		af.WriteString("ee\nfour\n")
		af.Close()
		time.Sleep(time.Second) // fake time: one poll interval
		synctest.Wait()
		if got := texts(); !slices.Equal(got, []string{"one", "two", "three", "four"}) {
			t.Fatalf("after one poll: %q, want [one two three four]", got)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

func TestBadInvocations(t *testing.T) {
	for _, args := range [][]string{
		{"-bogus"},
		{"-serve"},
		{"-serve", "-file", "x", "-generate", "1s"},
		{"-serve", "-file", "/does/not/exist", "-addr", "127.0.0.1:0"},
		{"-serve", "-generate", "1s", "-impl", "mine"},
		{"extra"},
	} {
		if err := run(t.Context(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("logtail %q: no error, want one", args)
		}
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	if err := run(t.Context(), []string{"-addr", addr}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("no server: %v, want \"cannot reach ...\"", err)
	}
}
