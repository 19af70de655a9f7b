package exercise

import (
	"os"

	"google.golang.org/grpc"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
	"github.com/grpclabs/labs/scripts/labkit"
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

// ValidName returns nil for a plain file name, and an error saying why
// otherwise. Reject (never clean up): "", names longer than MaxNameLen
// bytes, invalid UTF-8, '/' or '\' anywhere, a leading '.', control
// characters, and whatever filepath.IsLocal refuses. Step 4.
func ValidName(name string) error {
	return labkit.TODO("ValidName")
}

// Upload stores one file. Step 4:
//
//  1. The first message must be the header (no message at all, or a chunk
//     first, is InvalidArgument). Check its name with ValidName and its
//     sha256 (64 hex digits) before anything touches the disk.
//  2. backend.CreatePartial(s.dir): the bytes go to a temporary file in
//     the directory's .partial/ (same file system, out of sight). On every
//     failure from here on, close and remove it (a defer with a
//     "committed" flag).
//  3. Recv chunks until io.EOF (the client's half-close). A second header
//     is InvalidArgument; more than s.maxBytes in total is
//     ResourceExhausted (check before writing); any other Recv error is
//     returned as it is. Write each chunk to the file and to a sha256 hash
//     (io.MultiWriter), counting bytes and chunks.
//  4. A sum that differs from the header's is DataLoss.
//  5. Sync, Close, then os.Rename to filepath.Join(s.dir, name): only now
//     does the file appear under its name. syncDir(s.dir) afterwards.
//  6. SendAndClose the summary: name, bytes, chunks, sha256 (lower-case hex).
func (s *FileServer) Upload(stream grpc.ClientStreamingServer[streamingv1.UploadRequest, streamingv1.UploadResponse]) error {
	return labkit.TODO("FileServer.Upload")
}

// syncDir flushes a directory's entries, so a rename survives a crash. Not
// every platform can open a directory for it (Windows): best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

var (
	_ = syncDir               // used by your Upload
	_ = backend.CreatePartial // and this
)
