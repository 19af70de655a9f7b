package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
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
	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startServer serves store as logtail -serve does, with lines the test adds.
func startServer(t *testing.T, store *backend.LogStore) string {
	p := demotest.Start(t, func(ctx context.Context, _ []string, stdio demo.IO) error {
		return serveLogs(ctx, demo.Server{Addr: "127.0.0.1:0", Out: stdio.Out}, solution.NewLogServer(store), nil)
	})
	return p.Addr
}

// logtail runs the client in process.
func logtail(ctx context.Context, out io.Writer, args ...string) error {
	return run(ctx, args, demo.IO{In: strings.NewReader(""), Out: out, Err: io.Discard})
}

func TestTailClient(t *testing.T) {
	store := backend.NewLogStore(0)
	store.Append("GET / 200", "GET /x 500", "POST /y 503")
	addr := startServer(t, store)

	var out strings.Builder
	if err := logtail(t.Context(), &out, "-addr", addr, "-filter", ` 50\d$`); err != nil {
		t.Fatal(err)
	}
	if want := "     2  GET /x 500\n     3  POST /y 503\n"; out.String() != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
	}

	err := logtail(t.Context(), io.Discard, "-addr", addr, "-filter", "(")
	if err == nil || !strings.Contains(err.Error(), "InvalidArgument") {
		t.Fatalf("a bad filter: %v, want InvalidArgument", err)
	}

	// -follow prints new lines as they come and exits cleanly on Ctrl-C.
	ctx, ctrlC := context.WithCancel(t.Context())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- logtail(ctx, w, "-addr", addr, "-filter", "POST", "-follow")
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
		// Rotated by truncation: read again from the start.
		if err := os.WriteFile(path, []byte("five\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		time.Sleep(time.Second) // the truncation is seen on one poll, read on the next
		synctest.Wait()
		if got := texts(); !slices.Equal(got, []string{"one", "two", "three", "four", "five"}) {
			t.Fatalf("after the file was truncated and rewritten: %q, want five appended", got)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// TestFileGarbage: a file that is not text, or has no newlines, still
// gives lines every client can receive (proto strings must be UTF-8, and a
// gRPC message has a size limit).
func TestFileGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "binary.log")
	data := append([]byte("ok\n\xff\xfe bad bytes\n"), bytes.Repeat([]byte("x"), maxLine+10)...)
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := demotest.Start(t, run, "-serve", "-addr", "127.0.0.1:0", "-file", path)
	if !strings.Contains(srv.Stdout.String(), "impl=solution, LogService, tailing "+path) {
		t.Errorf("banner %q", srv.Stdout)
	}
	// The file is read before the tail, or the tail sees it arrive: either
	// way -follow shows all four lines.
	ctx, ctrlC := context.WithCancel(t.Context())
	defer ctrlC()
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- logtail(ctx, w, "-addr", srv.Addr, "-follow"); w.Close() }()
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	want := []string{"ok", "\ufffd bad bytes", strings.Repeat("x", maxLine), "xxxxxxxxxx"}
	for i, w := range want {
		if !sc.Scan() {
			t.Fatalf("line %d: the tail ended: %v", i+1, <-done)
		}
		if got := sc.Text()[8:]; got != w {
			t.Fatalf("line %d = %.40q (%d bytes), want %.40q (%d bytes)", i+1, got, len(got), w, len(w))
		}
	}
	ctrlC()
	go io.Copy(io.Discard, r)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestBadInvocations(t *testing.T) {
	for _, args := range [][]string{
		{"-bogus"},
		{"-serve"},
		{"-serve", "-file", "x", "-generate", "1s"},
		{"-serve", "-generate", "1s", "-impl", "mine"},
		{"extra"},
	} {
		var ue *demo.UsageError
		if err := logtail(t.Context(), io.Discard, args...); !errors.As(err, &ue) {
			t.Errorf("logtail %q: %v, want a usage error (exit 2)", args, err)
		}
	}
	if err := logtail(t.Context(), io.Discard, "-serve", "-file", "/does/not/exist", "-addr", "127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "/does/not/exist") {
		t.Errorf("a missing -file: %v, want an error naming it", err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	if err := logtail(t.Context(), io.Discard, "-addr", addr); err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("no server: %v, want \"cannot reach ...\"", err)
	}
}
