// Package demosvc is the small h2demo.v1.DemoService that the h2dump lab's
// tests and demos send through the proxy. Scaffolding: nothing to learn here.
package demosvc

import (
	"context"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	h2demov1 "github.com/grpclabs/labs/ch02-grpc-core/gen/h2demo/v1"
)

// Server implements DemoService.
type Server struct {
	h2demov1.UnimplementedDemoServiceServer
	// BeforeReply, if set, runs in Echo before it answers: tests use it to
	// hold every call until all have arrived, so their frames interleave.
	BeforeReply func(ctx context.Context) error
}

// Echo greets the caller and returns the payload unchanged.
func (s *Server) Echo(ctx context.Context, req *h2demov1.EchoRequest) (*h2demov1.EchoResponse, error) {
	if req.GetName() == "" {
		return nil, status.Error(codes.InvalidArgument, "name is required")
	}
	if s.BeforeReply != nil {
		if err := s.BeforeReply(ctx); err != nil {
			return nil, err
		}
	}
	return &h2demov1.EchoResponse{Greeting: "Hello, " + req.GetName(), Age: req.GetAge(), Payload: req.GetPayload()}, nil
}

// Download streams size bytes in chunks.
func (s *Server) Download(req *h2demov1.DownloadRequest, stream h2demov1.DemoService_DownloadServer) error {
	size, chunk := req.GetSize(), int64(req.GetChunkSize())
	if size < 0 || size > 1<<30 || chunk <= 0 || chunk > 4<<20 {
		return status.Error(codes.InvalidArgument, fmt.Sprintf("size must be 0..1GiB and chunk_size 1..4MiB, got %d and %d", size, chunk))
	}
	buf := make([]byte, chunk)
	for i := range buf {
		buf[i] = byte('a' + i%26)
	}
	for off := int64(0); off < size; off += chunk {
		n := min(chunk, size-off)
		if err := stream.Send(&h2demov1.Chunk{Offset: off, Data: buf[:n]}); err != nil {
			return err
		}
	}
	return nil
}
