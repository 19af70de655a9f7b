package solution

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
)

// DefaultChunkSize is what UploadFile uses for chunkSize <= 0: well under
// gRPC's 4 MiB default message limit, large enough that per-message
// overhead does not matter.
const DefaultChunkSize = 32 << 10

// UploadFile sends r to the server as name: the header with the checksum,
// then chunks of at most chunkSize bytes, then a half-close, and returns
// the server's summary. A server error keeps its status code.
func UploadFile(ctx context.Context, c streamingv1.FileServiceClient, name string, r io.ReadSeeker, chunkSize int) (*streamingv1.UploadResponse, error) {
	if chunkSize <= 0 {
		chunkSize = DefaultChunkSize
	}
	// The header carries the checksum, so read the file once to hash it
	// and once more to send it.
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return nil, fmt.Errorf("hash %s: %w", name, err)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind %s: %w", name, err)
	}

	// If we return early (a local read error), cancelling the call tells
	// the server to discard what it has.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.Upload(ctx)
	if err != nil {
		return nil, err
	}
	header := &streamingv1.UploadRequest{Kind: &streamingv1.UploadRequest_Header{Header: &streamingv1.UploadHeader{
		Name: name, Sha256: hex.EncodeToString(h.Sum(nil)),
	}}}
	if err := stream.Send(header); err != nil && err != io.EOF {
		return nil, err
	}
	for {
		// A fresh buffer per chunk: a sent message must not change
		// afterwards (stats handlers may look at it later).
		buf := make([]byte, chunkSize)
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			err := stream.Send(&streamingv1.UploadRequest{Kind: &streamingv1.UploadRequest_Chunk{Chunk: buf[:n]}})
			if err == io.EOF {
				// The server already ended the call (a limit, a bad
				// header). Send cannot say why; CloseAndRecv returns the
				// real status.
				break
			}
			if err != nil {
				return nil, err
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return nil, fmt.Errorf("read %s: %w", name, rerr)
		}
	}
	// Half-close ("no more chunks") and wait for the one answer.
	return stream.CloseAndRecv()
}
