package exercise

import (
	"context"
	"io"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// DefaultChunkSize is what UploadFile uses for chunkSize <= 0.
const DefaultChunkSize = 32 << 10

// UploadFile sends r to the server as name and returns the server's
// summary. Step 5:
//
//  1. Hash r with sha256 (io.Copy), then Seek back to the start.
//  2. Derive a cancellable context and defer its cancel: returning early
//     (a read error) then tells the server to discard the upload.
//  3. c.Upload(ctx), then Send the header (name, hex sum).
//  4. Read chunks of at most chunkSize bytes, a fresh slice for each, and
//     Send each non-empty one. If Send returns io.EOF the server has ended
//     the call: stop sending; CloseAndRecv will say why.
//  5. A read error other than EOF: return it wrapped (%w).
//  6. CloseAndRecv: half-close and wait for the summary or the status.
func UploadFile(ctx context.Context, c streamingv1.FileServiceClient, name string, r io.ReadSeeker, chunkSize int) (*streamingv1.UploadResponse, error) {
	return nil, labkit.TODO("UploadFile (the client)")
}
