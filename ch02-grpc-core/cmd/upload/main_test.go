package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
)

func TestMain(m *testing.M) {
	demotest.MainAs("upload", run) // a real server process, to kill -9
	goleak.VerifyTestMain(m)
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestUploadProgram(t *testing.T) {
	dir := t.TempDir()
	srv := demotest.Start(t, run, "-serve", "-dir", dir, "-addr", "127.0.0.1:0", "-max-bytes", "1048576")
	if !strings.Contains(srv.Stdout.String(), "(impl=solution, FileService, storing in "+dir) {
		t.Errorf("banner %q", srv.Stdout)
	}

	src := filepath.Join(t.TempDir(), "notes.txt")
	data := []byte(strings.Repeat("a line of notes\n", 1000))
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := demotest.Run(t.Context(), run, "", "-addr", srv.Addr, "-chunk", "4096", src)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("uploaded notes.txt: 16000 bytes in 4 chunks, sha256 %x\n", sha256.Sum256(data))
	if out != want || !strings.Contains(stderr, "(impl=solution)") {
		t.Fatalf("printed %q, stderr %q; want %q and the impl on stderr", out, stderr, want)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "notes.txt")); err != nil || string(got) != string(data) {
		t.Fatalf("stored file: %d bytes, %v; want the source's %d bytes", len(got), err, len(data))
	}
	_, _, err = demotest.Run(t.Context(), run, "", "-addr", srv.Addr, "-name", "../escape", src)
	if err == nil || !strings.Contains(err.Error(), "InvalidArgument") {
		t.Fatalf("-name ../escape: %v, want InvalidArgument", err)
	}
}

// stalled is a file that serves its first n bytes, then blocks until
// released: an upload still running when the server is asked to stop.
type stalled struct {
	r       io.ReadSeeker
	n       int64
	pass    int // rewinds so far: UploadFile hashes the file, rewinds, sends it
	release chan struct{}
	reached chan struct{}
}

func (s *stalled) Read(p []byte) (int, error) {
	if s.pass == 1 { // after the rewind: sending
		pos, _ := s.r.Seek(0, io.SeekCurrent)
		if pos >= s.n {
			close(s.reached)
			<-s.release
			return 0, errors.New("released")
		}
		p = p[:min(int64(len(p)), s.n-pos)]
	}
	return s.r.Read(p)
}

func (s *stalled) Seek(off int64, whence int) (int64, error) {
	s.pass++
	return s.r.Seek(off, whence)
}

// TestShutdownGrace: an upload that does not finish does not keep the
// server from stopping: after -grace it is cut, and its partial file
// removed. (The server once waited for it forever.)
func TestShutdownGrace(t *testing.T) {
	dir := t.TempDir()
	srv := demotest.Start(t, run, "-serve", "-dir", dir, "-addr", "127.0.0.1:0", "-grace", "50ms")
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	f := &stalled{r: strings.NewReader(strings.Repeat("x", 100_000)), n: 40_000, release: make(chan struct{}), reached: make(chan struct{})}
	uploaded := make(chan error, 1)
	go func() {
		_, err := solutionImpl.upload(t.Context(), streamingv1.NewFileServiceClient(conn), "big.bin", f, 4096)
		uploaded <- err
	}()
	<-f.reached // 40 KB sent; the rest will not come
	if err := srv.Stop(t); err != nil {
		t.Fatalf("the server after its signal: %v, want a clean stop", err)
	}
	close(f.release)
	if err := <-uploaded; err == nil {
		t.Error("the cut upload succeeded")
	}
	if got := entries(t, dir); len(got) > 1 || len(got) == 1 && got[0] != backend.PartialDir {
		t.Errorf("the upload directory holds %q after the cut upload, want nothing (but %s)", got, backend.PartialDir)
	}
	if left := entries(t, filepath.Join(dir, backend.PartialDir)); len(left) != 0 {
		t.Errorf("%s holds %q after the cut upload, want it empty", backend.PartialDir, left)
	}
}

// TestServerDiesMidUpload: the client says the server went away during
// the upload, not that it could not reach it.
func TestServerDiesMidUpload(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	streamingv1.RegisterFileServiceServer(g, dying{stop: g.Stop})
	go g.Serve(lis)
	defer g.Stop()
	src := filepath.Join(t.TempDir(), "f.bin")
	os.WriteFile(src, []byte(strings.Repeat("y", 200_000)), 0o644)
	_, _, err = demotest.Run(t.Context(), run, "", "-addr", lis.Addr().String(), src)
	if err == nil || !strings.Contains(err.Error(), "went away during the upload of f.bin") || strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("the server died mid-upload: %v, want \"went away during the upload\"", err)
	}
}

// dying reads the header and one chunk, then stops its server hard.
type dying struct {
	streamingv1.UnimplementedFileServiceServer
	stop func()
}

func (d dying) Upload(stream grpc.ClientStreamingServer[streamingv1.UploadRequest, streamingv1.UploadResponse]) error {
	stream.Recv()
	stream.Recv()
	go d.stop()
	<-stream.Context().Done()
	return stream.Context().Err()
}

// TestCleanAtStart: what a killed server left is removed before serving.
func TestCleanAtStart(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, backend.PartialDir), 0o700)
	for _, p := range []string{filepath.Join(backend.PartialDir, "upload-123"), ".upload-456", "kept.txt"} {
		os.WriteFile(filepath.Join(dir, p), []byte("half"), 0o600)
	}
	srv := demotest.Start(t, run, "-serve", "-dir", dir, "-addr", "127.0.0.1:0")
	if !strings.Contains(srv.Stderr.String(), "removed 2 partial upload(s)") {
		t.Errorf("stderr %q, want it to say 2 partial uploads were removed", srv.Stderr)
	}
	if got := strings.Join(entries(t, dir), " "); got != backend.PartialDir+" kept.txt" {
		t.Errorf("the directory holds %q after the start, want .partial (empty) and kept.txt", got)
	}
	if left := entries(t, filepath.Join(dir, backend.PartialDir)); len(left) != 0 {
		t.Errorf("%s holds %q, want it emptied", backend.PartialDir, left)
	}
}

// TestKilledMidWrite: kill -9 a real server process mid-upload. Its
// partial file stays out of the upload directory, and the next server
// removes it.
func TestKilledMidWrite(t *testing.T) {
	dir := t.TempDir()
	start := func() (*exec.Cmd, string) {
		cmd := demotest.Command("upload", "-serve", "-dir", dir, "-addr", "127.0.0.1:0")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		if !sc.Scan() {
			t.Fatalf("the server printed nothing")
		}
		addr, _, _ := strings.Cut(strings.TrimPrefix(sc.Text(), "listening on "), " ")
		go io.Copy(io.Discard, out)
		return cmd, addr
	}
	cmd, addr := start()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stream, err := streamingv1.NewFileServiceClient(conn).Upload(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("whatever"))
	stream.Send(&streamingv1.UploadRequest{Kind: &streamingv1.UploadRequest_Header{Header: &streamingv1.UploadHeader{Name: "big.bin", Sha256: hex.EncodeToString(sum[:])}}})
	stream.Send(&streamingv1.UploadRequest{Kind: &streamingv1.UploadRequest_Chunk{Chunk: make([]byte, 64<<10)}})
	// Wait (with a deadline) until the server has its partial file.
	partial := filepath.Join(dir, backend.PartialDir)
	for deadline := time.Now().Add(demotest.Guard); ; {
		if es, _ := os.ReadDir(partial); len(es) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no partial file in %s within %v", partial, demotest.Guard)
		}
		time.Sleep(10 * time.Millisecond) // polling a directory another process writes
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if got := entries(t, dir); len(got) != 1 || got[0] != backend.PartialDir {
		t.Errorf("after kill -9 mid-upload the upload directory holds %q; want only %s, the partial file out of sight", got, backend.PartialDir)
	}
	if left := entries(t, partial); len(left) != 1 {
		t.Fatalf("%s holds %q after the kill, want the one partial file the server could not remove", partial, left)
	}
	cmd, _ = start() // the next server cleans up
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	if left := entries(t, partial); len(left) != 0 {
		t.Errorf("%s holds %q once the next server started, want it empty", partial, left)
	}
}

func TestBadInvocations(t *testing.T) {
	for _, args := range [][]string{
		{"-bogus"},
		{},
		{"-serve"},
		{"-impl", "mine", "x"},
		{"-chunk", "0", "x"},
		{"-serve", "-dir", ".", "-grace", "0s"},
		{"a", "b"},
	} {
		var ue *demo.UsageError
		if _, _, err := demotest.Run(t.Context(), run, "", args...); !errors.As(err, &ue) {
			t.Errorf("upload %q: %v, want a usage error (exit 2)", args, err)
		}
	}
	for _, args := range [][]string{{"-serve", "-dir", "/does/not/exist"}, {"/does/not/exist"}} {
		if _, _, err := demotest.Run(t.Context(), run, "", args...); err == nil || !strings.Contains(err.Error(), "/does/not/exist") {
			t.Errorf("upload %q: %v, want an error naming the path", args, err)
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
	if _, _, err := demotest.Run(context.Background(), run, "", "-addr", addr, src); err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("no server: %v, want \"cannot reach ...\"", err)
	}
}
