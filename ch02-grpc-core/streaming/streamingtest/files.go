package streamingtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
	"github.com/grpclabs/labs/scripts/labkit"
)

// NewFileServerFunc builds the file service over a directory and a size limit.
type NewFileServerFunc[S streamingv1.FileServiceServer] func(dir string, maxBytes int64) S

// UploadFunc is the lab's client side of Upload.
type UploadFunc func(ctx context.Context, c streamingv1.FileServiceClient, name string, r io.ReadSeeker, chunkSize int) (*streamingv1.UploadResponse, error)

func serveFiles[S streamingv1.FileServiceServer](t *testing.T, tr labkit.Transport, srv S) (streamingv1.FileServiceClient, *probe) {
	s, p := serve(t, tr, func(g *grpc.Server) { streamingv1.RegisterFileServiceServer(g, srv) })
	return streamingv1.NewFileServiceClient(s.Conn), p
}

// randomBytes is reproducible test data.
func randomBytes(n int, seed uint64) []byte {
	var key [32]byte
	key[0], key[1] = byte(seed), byte(seed>>8)
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(key).Read(b) // never fails
	return b
}

func sumHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func header(name, sum string) *streamingv1.UploadRequest {
	return &streamingv1.UploadRequest{Kind: &streamingv1.UploadRequest_Header{Header: &streamingv1.UploadHeader{Name: name, Sha256: sum}}}
}

func chunk(b []byte) *streamingv1.UploadRequest {
	return &streamingv1.UploadRequest{Kind: &streamingv1.UploadRequest_Chunk{Chunk: b}}
}

// upload sends a header and chunks by hand and returns the server's answer.
func upload(ctx context.Context, c streamingv1.FileServiceClient, msgs ...*streamingv1.UploadRequest) (*streamingv1.UploadResponse, error) {
	stream, err := c.Upload(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if err := stream.Send(m); err == io.EOF {
			break // the server ended the call; CloseAndRecv has the status
		} else if err != nil {
			return nil, err
		}
	}
	return stream.CloseAndRecv()
}

func chunks(data []byte, size int) []*streamingv1.UploadRequest {
	var out []*streamingv1.UploadRequest
	for c := range slices.Chunk(data, size) {
		out = append(out, chunk(c))
	}
	return out
}

// dirNames lists a directory, hidden files included, but not the
// server's backend.PartialDir, which wantDir checks on its own.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.Name() != backend.PartialDir {
			names = append(names, e.Name())
		}
	}
	return names
}

// wantDir checks what a reader of the upload directory sees, and that no
// upload in progress was left behind in backend.PartialDir.
func wantDir(t *testing.T, dir string, want []string, why string) {
	t.Helper()
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Fatalf("%s: the upload directory holds %q, want %q", why, got, want)
	}
	left, err := os.ReadDir(filepath.Join(dir, backend.PartialDir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Fatalf("%s: %d temporary file(s) left in %s (%s); remove the temporary file on every failure", why, len(left), backend.PartialDir, left[0].Name())
	}
}

func wantFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the uploaded file: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s holds %d bytes (sha256 %s), want %d bytes (sha256 %s)", path, len(got), sumHex(got), len(want), sumHex(want))
	}
}

// uploadDir is a fresh directory inside a parent that the test watches, so
// a file written outside it (path traversal) is caught.
func uploadDir(t *testing.T) (parent, dir string) {
	parent = t.TempDir()
	dir = filepath.Join(parent, "uploads")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return parent, dir
}

// TestUpload: step 4, chunked upload with a size limit, a checksum, no
// half-written files, and no way out of the directory.
func TestUpload[S streamingv1.FileServiceServer](t *testing.T, newServer NewFileServerFunc[S]) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		_, dir := uploadDir(t)
		client, _ := serveFiles(t, tr, newServer(dir, 4<<20))
		data := randomBytes(1<<20+123, 1)
		msgs := append([]*streamingv1.UploadRequest{header("report.bin", sumHex(data))}, chunks(data, 64<<10)...)
		resp, err := upload(t.Context(), client, msgs...)
		step4.Require(t, err)
		want := &streamingv1.UploadResponse{Name: "report.bin", Bytes: int64(len(data)), Chunks: 17, Sha256: sumHex(data)}
		if resp.GetName() != want.Name || resp.GetBytes() != want.Bytes || resp.GetChunks() != want.Chunks || resp.GetSha256() != want.Sha256 {
			t.Fatalf("summary = {%v}, want {%v} (chunks counts the chunk messages after the header; sha256 in lower-case hex)", resp, want)
		}
		wantFile(t, filepath.Join(dir, "report.bin"), data)
		wantDir(t, dir, []string{"report.bin"}, "after a successful upload (no temporary files left)")
	})

	t.Run("empty_and_replace", func(t *testing.T) {
		_, dir := uploadDir(t)
		client, _ := serveFiles(t, labkit.Bufconn, newServer(dir, 1<<20))
		resp, err := upload(t.Context(), client, header("empty.txt", sumHex(nil)))
		step4.Require(t, err)
		if resp.GetBytes() != 0 || resp.GetChunks() != 0 {
			t.Fatalf("empty file summary = {%v}, want 0 bytes in 0 chunks", resp)
		}
		wantFile(t, filepath.Join(dir, "empty.txt"), nil)
		// A second upload under the same name replaces the file whole.
		data := []byte("second version\n")
		_, err = upload(t.Context(), client, header("empty.txt", sumHex(data)), chunk(data[:7]), chunk(data[7:]))
		step4.Require(t, err)
		wantFile(t, filepath.Join(dir, "empty.txt"), data)
	})

	t.Run("size_limit", func(t *testing.T) {
		_, dir := uploadDir(t)
		client, _ := serveFiles(t, labkit.Bufconn, newServer(dir, 1000))
		exact := randomBytes(1000, 2)
		_, err := upload(t.Context(), client, append([]*streamingv1.UploadRequest{header("exact.bin", sumHex(exact))}, chunks(exact, 300)...)...)
		step4.Require(t, err) // exactly the limit is allowed
		over := randomBytes(1001, 3)
		_, err = upload(t.Context(), client, append([]*streamingv1.UploadRequest{header("over.bin", sumHex(over))}, chunks(over, 300)...)...)
		wantCode(t, step4, err, codes.ResourceExhausted, "uploading 1001 bytes with a 1000-byte limit")
		// A big upload is cut off early; the client learns why from CloseAndRecv.
		big := randomBytes(2<<20, 4)
		_, err = upload(t.Context(), client, append([]*streamingv1.UploadRequest{header("big.bin", sumHex(big))}, chunks(big, 64<<10)...)...)
		wantCode(t, step4, err, codes.ResourceExhausted, "uploading 2 MiB with a 1000-byte limit")
		wantDir(t, dir, []string{"exact.bin"}, "after two uploads over the limit")
	})

	t.Run("checksum", func(t *testing.T) {
		_, dir := uploadDir(t)
		client, _ := serveFiles(t, labkit.Bufconn, newServer(dir, 1<<20))
		data := randomBytes(5000, 5)
		sum := sumHex(data)
		bad := slices.Clone(data)
		bad[4321] ^= 1
		_, err := upload(t.Context(), client, append([]*streamingv1.UploadRequest{header("flip.bin", sum)}, chunks(bad, 1000)...)...)
		wantCode(t, step4, err, codes.DataLoss, "an upload whose bytes do not match the header's sha256")
		_, err = upload(t.Context(), client, append([]*streamingv1.UploadRequest{header("short.bin", sum)}, chunks(data[:4000], 1000)...)...)
		wantCode(t, step4, err, codes.DataLoss, "an upload missing its last chunk")
		// The checksum may arrive in capitals: hex is case-insensitive.
		_, err = upload(t.Context(), client, append([]*streamingv1.UploadRequest{header("upper.bin", strings.ToUpper(sum))}, chunks(data, 1000)...)...)
		step4.Require(t, err)
		wantDir(t, dir, []string{"upper.bin"}, "after two corrupted uploads and a good one")
	})

	t.Run("bad_header", func(t *testing.T) {
		_, dir := uploadDir(t)
		client, _ := serveFiles(t, labkit.Bufconn, newServer(dir, 1<<20))
		sum := sumHex([]byte("x"))
		for _, tc := range []struct {
			what string
			msgs []*streamingv1.UploadRequest
		}{
			{"no messages at all", nil},
			{"a chunk before the header", []*streamingv1.UploadRequest{chunk([]byte("x")), header("a.txt", sum)}},
			{"the header twice", []*streamingv1.UploadRequest{header("a.txt", sum), header("a.txt", sum), chunk([]byte("x"))}},
			{"a checksum that is not hex", []*streamingv1.UploadRequest{header("a.txt", strings.Repeat("zz", 32)), chunk([]byte("x"))}},
			{"a checksum of the wrong length", []*streamingv1.UploadRequest{header("a.txt", sum[:62]), chunk([]byte("x"))}},
			{"an empty checksum", []*streamingv1.UploadRequest{header("a.txt", ""), chunk([]byte("x"))}},
		} {
			_, err := upload(t.Context(), client, tc.msgs...)
			wantCode(t, step4, err, codes.InvalidArgument, "an upload with "+tc.what)
		}
		wantDir(t, dir, nil, "after uploads with bad headers")
	})

	t.Run("path_traversal", func(t *testing.T) {
		parent, dir := uploadDir(t)
		client, _ := serveFiles(t, labkit.Bufconn, newServer(dir, 1<<20))
		data := []byte("pwned\n")
		for _, name := range badNames {
			_, err := upload(t.Context(), client, header(name, sumHex(data)), chunk(data))
			wantCode(t, step4, err, codes.InvalidArgument, fmt.Sprintf("an upload named %q", name))
		}
		wantDir(t, dir, nil, "after uploads with unsafe names")
		wantDir(t, parent, []string{"uploads"}, "the directory above the uploads, after uploads with unsafe names")
		for _, name := range goodNames {
			_, err := upload(t.Context(), client, header(name, sumHex(data)), chunk(data))
			step4.Require(t, err)
			wantFile(t, filepath.Join(dir, name), data)
		}
	})

	leakFree(t, "cancel_midway", func(t *testing.T) {
		_, dir := uploadDir(t)
		client, p := serveFiles(t, labkit.Bufconn, newServer(dir, 1<<20))
		ctx, cancel := ctxWithCancel(t)
		stream, err := client.Upload(ctx)
		step4.Require(t, err)
		data := randomBytes(3000, 6)
		for _, m := range append([]*streamingv1.UploadRequest{header("partial.bin", sumHex(data))}, chunks(data[:2000], 1000)...) {
			step4.Require(t, sent(stream.Send(m), func() error { _, err := stream.CloseAndRecv(); return err }))
		}
		// The handler asking for a 4th message means it has dealt with the
		// header and both chunks: the bytes are on disk somewhere, but not
		// under the file's name.
		p.waitRecvs(t, step4, 4)
		for _, n := range dirNames(t, dir) {
			if n == "partial.bin" {
				t.Fatal("partial.bin is visible while its upload is still running; write to a temporary file and rename it at the end")
			}
			// Not even under another name: whoever lists or processes the
			// directory must never meet half a file (nor one a killed
			// server left behind for good).
			t.Fatalf("%s is in the upload directory while an upload is running; write the temporary file with backend.CreatePartial, out of sight in %s", n, backend.PartialDir)
		}
		cancel()
		err = p.waitEnded(t, "the client cancelled the upload")
		wantCode(t, step4, err, codes.Canceled, "the Upload handler's return after the client cancelled")
		wantDir(t, dir, nil, "after a cancelled upload (remove the temporary file on every failure)")
	})

	t.Run("concurrent", func(t *testing.T) {
		_, dir := uploadDir(t)
		client, _ := serveFiles(t, labkit.Bufconn, newServer(dir, 1<<20))
		const n = 50
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				data := randomBytes(10_000+i, uint64(100+i))
				msgs := append([]*streamingv1.UploadRequest{header(fmt.Sprintf("f%02d.bin", i), sumHex(data))}, chunks(data, 4096)...)
				if _, err := upload(t.Context(), client, msgs...); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			step4.Require(t, err)
		}
		for i := range n {
			wantFile(t, filepath.Join(dir, fmt.Sprintf("f%02d.bin", i)), randomBytes(10_000+i, uint64(100+i)))
		}
		if got := len(dirNames(t, dir)); got != n {
			t.Fatalf("%d entries in the upload directory after %d uploads; temporary files left behind?", got, n)
		}
		wantDir(t, dir, dirNames(t, dir), "after 50 uploads at once")
	})
}

// badNames must all be refused; goodNames all accepted.
var (
	badNames = []string{
		"", ".", "..", "../escape.txt", "../../etc/passwd", "/etc/passwd", "a/b.txt",
		`..\escape.txt`, `a\b.txt`, ".hidden", ".upload-123", ".partial", "nul\x00byte", "new\nline",
		strings.Repeat("n", 256),
	}
	// Only ValidName sees these: proto3 refuses to marshal a string field
	// that is not UTF-8, so a gRPC client cannot even send them.
	nonUTF8Names = []string{"bad\xffutf8", "\xc0\xaf"}
	goodNames    = []string{"report.pdf", "my notes.txt", "日本語.txt", "a..b", "x-1_2", strings.Repeat("n", 255)}
)

// FuzzValidName: step 4, whatever ValidName accepts is a plain local name
// that stays inside the upload directory.
func FuzzValidName(f *testing.F, valid func(string) error) {
	for _, n := range badNames {
		f.Add(n)
	}
	for _, n := range goodNames {
		f.Add(n)
	}
	for _, n := range nonUTF8Names {
		f.Add(n)
	}
	// One TODO message, not one per seed.
	step4.Check(f, valid("report.pdf"))
	f.Fuzz(func(t *testing.T, name string) {
		err := valid(name)
		if step4.Check(t, err) != nil {
			if slices.Contains(goodNames, name) {
				t.Fatalf("ValidName(%q) = %v; a plain file name must be accepted", name, err)
			}
			return
		}
		if slices.Contains(badNames, name) || slices.Contains(nonUTF8Names, name) {
			t.Fatalf("ValidName(%q) accepted an unsafe name", name)
		}
		dir := filepath.FromSlash("/srv/uploads")
		joined := filepath.Join(dir, name)
		switch {
		case strings.ContainsAny(name, `/\`):
			t.Fatalf("ValidName(%q) accepted a path separator", name)
		case strings.HasPrefix(name, "."):
			t.Fatalf("ValidName(%q) accepted a leading dot (., .., hidden and temporary files)", name)
		case !filepath.IsLocal(name) || filepath.Dir(joined) != dir || filepath.Base(joined) != name:
			t.Fatalf("ValidName(%q) accepted a name that does not stay a single entry of the directory", name)
		case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
			t.Fatalf("ValidName(%q) accepted invalid UTF-8 or a control character", name)
		case len(name) > 255:
			t.Fatalf("ValidName accepted a %d-byte name (limit 255)", len(name))
		}
	})
}

var errDisk = errors.New("disk read error (injected by the test)")

// failingReader serves data until it has returned failAt bytes in total
// (over both passes), then errDisk.
type failingReader struct {
	r      *bytes.Reader
	served int
	failAt int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.served >= f.failAt {
		return 0, errDisk
	}
	p = p[:min(len(p), f.failAt-f.served)]
	n, err := f.r.Read(p)
	f.served += n
	return n, err
}

func (f *failingReader) Seek(off int64, whence int) (int64, error) { return f.r.Seek(off, whence) }

// recordingFiles is a FileService that keeps what the client sent.
type recordingFiles struct {
	streamingv1.UnimplementedFileServiceServer
	got chan []*streamingv1.UploadRequest
}

func (r *recordingFiles) Upload(stream grpc.ClientStreamingServer[streamingv1.UploadRequest, streamingv1.UploadResponse]) error {
	var msgs []*streamingv1.UploadRequest
	for {
		m, err := stream.Recv()
		if err == io.EOF { // the client half-closed: answer
			r.got <- msgs
			return stream.SendAndClose(&streamingv1.UploadResponse{Name: "recorded", Chunks: int64(len(msgs) - 1)})
		}
		if err != nil {
			r.got <- msgs
			return err
		}
		msgs = append(msgs, m)
	}
}

// TestUploadClient: step 5, the client side of a client stream.
func TestUploadClient[S streamingv1.FileServiceServer](t *testing.T, newServer NewFileServerFunc[S], uploadFile UploadFunc) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		_, dir := uploadDir(t)
		client, _ := serveFiles(t, tr, newServer(dir, 1<<20))
		data := randomBytes(100_007, 7)
		resp, err := uploadFile(t.Context(), client, "photo.jpg", bytes.NewReader(data), 10_000)
		step5.Require(t, err)
		if resp.GetBytes() != int64(len(data)) || resp.GetChunks() != 11 || resp.GetSha256() != sumHex(data) {
			t.Fatalf("summary = {%v}, want %d bytes in 11 chunks of at most 10000, sha256 %s", resp, len(data), sumHex(data))
		}
		wantFile(t, filepath.Join(dir, "photo.jpg"), data)
	})

	t.Run("what_is_sent", func(t *testing.T) {
		rec := &recordingFiles{got: make(chan []*streamingv1.UploadRequest, 1)}
		s, _ := serve(t, labkit.Bufconn, func(g *grpc.Server) { streamingv1.RegisterFileServiceServer(g, rec) })
		data := randomBytes(25_000, 8)
		_, err := uploadFile(t.Context(), streamingv1.NewFileServiceClient(s.Conn), "doc.txt", bytes.NewReader(data), 4096)
		step5.Require(t, err)
		msgs := <-rec.got
		if len(msgs) == 0 || msgs[0].GetHeader() == nil {
			t.Fatalf("the first message must be the header, got %v", msgs)
		}
		if h := msgs[0].GetHeader(); h.GetName() != "doc.txt" || !strings.EqualFold(h.GetSha256(), sumHex(data)) {
			t.Fatalf("header = {%v}, want name doc.txt and sha256 %s", h, sumHex(data))
		}
		var got []byte
		for i, m := range msgs[1:] {
			c := m.GetChunk()
			if m.GetHeader() != nil || len(c) == 0 || len(c) > 4096 {
				t.Fatalf("message %d after the header: %d-byte chunk (header: %v); want non-empty chunks of at most chunkSize=4096", i+1, len(c), m.GetHeader() != nil)
			}
			got = append(got, c...)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("the chunks hold %d bytes (sha256 %s), want the file's %d (sha256 %s)", len(got), sumHex(got), len(data), sumHex(data))
		}
	})

	t.Run("server_error_keeps_its_code", func(t *testing.T) {
		// The server gives up early. Send then only says io.EOF; the status
		// that says why comes from CloseAndRecv.
		_, dir := uploadDir(t)
		client, _ := serveFiles(t, labkit.Bufconn, newServer(dir, 1000))
		_, err := uploadFile(t.Context(), client, "big.bin", bytes.NewReader(randomBytes(1<<20, 9)), 32<<10)
		wantCode(t, step5, err, codes.ResourceExhausted, "UploadFile of 1 MiB to a server with a 1000-byte limit")
	})

	leakFree(t, "local_read_error", func(t *testing.T) {
		// The file fails halfway through the second pass: the call must be
		// cancelled, so the server discards the upload.
		_, dir := uploadDir(t)
		client, p := serveFiles(t, labkit.Bufconn, newServer(dir, 1<<20))
		data := randomBytes(50_000, 10)
		r := &failingReader{r: bytes.NewReader(data), failAt: len(data) + 20_000}
		_, err := uploadFile(t.Context(), client, "flaky.bin", r, 4096)
		if step5.Check(t, err) == nil {
			t.Fatal("UploadFile succeeded although reading the file failed")
		}
		if !errors.Is(err, errDisk) {
			t.Fatalf("UploadFile error = %v; want it to wrap the reader's error (errors.Is), so the caller sees the real cause", err)
		}
		err = p.waitEnded(t, "the client's read failed")
		wantCode(t, step5, err, codes.Canceled, "the server's view of an upload whose client failed to read its file (cancel the call)")
		wantDir(t, dir, nil, "after an upload whose client failed")
	})
}
