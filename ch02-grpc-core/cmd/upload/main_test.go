package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch02-grpc-core/streaming/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestUploadProgram(t *testing.T) {
	dir := t.TempDir()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serveFiles(ctx, lis, solution.NewFileServer(dir, 1<<20)) }()
	defer func() { cancel(); <-done }()
	addr := lis.Addr().String()

	src := filepath.Join(t.TempDir(), "notes.txt")
	data := []byte(strings.Repeat("a line of notes\n", 1000))
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(t.Context(), []string{"-addr", addr, "-chunk", "4096", src}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("uploaded notes.txt: 16000 bytes in 4 chunks, sha256 %x\n", sha256.Sum256(data))
	if out.String() != want {
		t.Fatalf("printed %q, want %q", out.String(), want)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "notes.txt")); err != nil || string(got) != string(data) {
		t.Fatalf("stored file: %d bytes, %v; want the source's %d bytes", len(got), err, len(data))
	}
	err = run(t.Context(), []string{"-addr", addr, "-name", "../escape", src}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "InvalidArgument") {
		t.Fatalf("-name ../escape: %v, want InvalidArgument", err)
	}
}

func TestBadInvocations(t *testing.T) {
	for _, args := range [][]string{
		{"-bogus"},
		{},
		{"-serve"},
		{"-serve", "-dir", "/does/not/exist"},
		{"-impl", "mine", "x"},
		{"-chunk", "0", "x"},
		{"/does/not/exist"},
		{"a", "b"},
	} {
		if err := run(t.Context(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("upload %q: no error, want one", args)
		}
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	src := filepath.Join(t.TempDir(), "f")
	os.WriteFile(src, []byte("x"), 0o644)
	if err := run(t.Context(), []string{"-addr", addr, src}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("no server: %v, want \"cannot reach ...\"", err)
	}
}
