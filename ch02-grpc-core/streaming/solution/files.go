package solution

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
)

// MaxNameLen is the longest file name accepted (most file systems' limit).
const MaxNameLen = 255

// FileServer stores uploads in one directory: client streaming, many
// requests and one answer.
type FileServer struct {
	streamingv1.UnimplementedFileServiceServer
	dir      string
	maxBytes int64
}

// NewFileServer stores files in dir, each at most maxBytes long.
func NewFileServer(dir string, maxBytes int64) *FileServer {
	return &FileServer{dir: dir, maxBytes: maxBytes}
}

// ValidName accepts a plain file name and rejects anything that could
// escape the upload directory or hide in it: path separators of any
// platform, "." and ".." (and every other leading dot, which also keeps
// clients off the server's own .partial directory), control characters,
// invalid UTF-8, and names longer than MaxNameLen bytes. It rejects rather
// than cleans: "a/../b" is a client bug to report, not a name to guess.
func ValidName(name string) error {
	switch {
	case name == "":
		return errors.New("file name is required")
	case len(name) > MaxNameLen:
		return fmt.Errorf("file name is %d bytes, at most %d allowed", len(name), MaxNameLen)
	case !utf8.ValidString(name):
		return errors.New("file name is not valid UTF-8")
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("file name %q contains a path separator", name)
	case strings.HasPrefix(name, "."):
		return fmt.Errorf("file name %q starts with a dot", name)
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("file name %q contains a control character", name)
	case !filepath.IsLocal(name): // Windows: reserved names such as NUL, "C:x"
		return fmt.Errorf("file name %q is not a local name on this system", name)
	}
	return nil
}

// Upload reads the header, streams the chunks into a temporary file next
// to the target, and makes the file visible under its name only when every
// byte arrived and the checksum matched.
func (s *FileServer) Upload(stream grpc.ClientStreamingServer[streamingv1.UploadRequest, streamingv1.UploadResponse]) error {
	first, err := stream.Recv()
	if err == io.EOF {
		return status.Error(codes.InvalidArgument, "empty upload: send a header first")
	}
	if err != nil {
		return err
	}
	h := first.GetHeader()
	if h == nil {
		return status.Error(codes.InvalidArgument, "the first message must be the header")
	}
	if err := ValidName(h.GetName()); err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	want, err := hex.DecodeString(h.GetSha256())
	if err != nil || len(want) != sha256.Size {
		return status.Errorf(codes.InvalidArgument, "sha256 must be %d hex digits, got %q", 2*sha256.Size, h.GetSha256())
	}

	// The temporary file lives in the upload directory's .partial/, so
	// the final rename stays on one file system and is atomic: readers see
	// no file or the whole file, never a prefix, and nothing half-written
	// among the uploads.
	tmp, err := backend.CreatePartial(s.dir)
	if err != nil {
		return status.Errorf(codes.Internal, "create temporary file: %v", err)
	}
	committed := false
	defer func() {
		if !committed { // any failure, including the client cancelling
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	sum := sha256.New()
	w := io.MultiWriter(tmp, sum)
	var n, chunks int64
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			break // the client half-closed: that was the last chunk
		}
		if err != nil {
			return err // cancelled or broken: the defer removes the file
		}
		if req.GetHeader() != nil {
			return status.Error(codes.InvalidArgument, "header sent twice")
		}
		chunk := req.GetChunk()
		// ResourceExhausted, not FailedPrecondition: the request is fine
		// but exceeds a quota; a smaller file would succeed. Check before
		// writing, so an oversized upload never touches the disk past the
		// limit.
		if n+int64(len(chunk)) > s.maxBytes {
			return status.Errorf(codes.ResourceExhausted, "file is larger than the limit of %d bytes", s.maxBytes)
		}
		if _, err := w.Write(chunk); err != nil {
			return status.Errorf(codes.Internal, "write: %v", err)
		}
		n += int64(len(chunk))
		chunks++
	}

	got := sum.Sum(nil)
	if !bytes.Equal(got, want) {
		// DataLoss: the bytes were damaged or are not the file the client
		// meant. Retrying the same stream will not help; re-reading the
		// source might.
		return status.Errorf(codes.DataLoss, "checksum mismatch: got sha256 %x, header said %x", got, want)
	}
	// Sync before rename: otherwise a crash can leave the new name
	// pointing at a file whose data never reached the disk.
	if err := tmp.Chmod(0o644); err != nil {
		return status.Errorf(codes.Internal, "chmod: %v", err)
	}
	if err := tmp.Sync(); err != nil {
		return status.Errorf(codes.Internal, "sync: %v", err)
	}
	if err := tmp.Close(); err != nil {
		return status.Errorf(codes.Internal, "close: %v", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(s.dir, h.GetName())); err != nil {
		return status.Errorf(codes.Internal, "rename: %v", err)
	}
	committed = true
	syncDir(s.dir) // make the rename itself durable (best effort)

	return stream.SendAndClose(&streamingv1.UploadResponse{
		Name:   h.GetName(),
		Bytes:  n,
		Chunks: chunks,
		Sha256: hex.EncodeToString(got),
	})
}

// syncDir flushes a directory's entries, so a rename survives a crash. Not
// every platform can open a directory for it (Windows): best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
