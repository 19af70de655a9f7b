// Command upload is the streaming lab's file upload (2.3, 客户端流式RPC,
// "文件分片上传"): a server for FileService.Upload and a client for it.
//
//	go run ./ch02-grpc-core/cmd/upload -serve -dir /tmp/uploads        # on 127.0.0.1:7072
//	go run ./ch02-grpc-core/cmd/upload ./report.pdf                    # prints the summary
//	go run ./ch02-grpc-core/cmd/upload -name copy.pdf -chunk 4096 ./report.pdf
//
// The server writes each upload to a temporary file in DIR/.partial and
// renames it into DIR only when the checksum matched, so DIR never shows
// half a file; at start it removes what a killed server left in .partial.
// It has reflection on, so grpcurl can call Upload too. -impl=exercise runs
// your server handler and your client function instead of the solution's.
//
// Ctrl-C (or SIGTERM) stops the server gracefully: running uploads get
// -grace to finish, then are cut and discarded; a second signal stops it
// at once.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/solution"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("upload", run) }

type uploadFunc func(ctx context.Context, c streamingv1.FileServiceClient, name string, r io.ReadSeeker, chunkSize int) (*streamingv1.UploadResponse, error)

// impl is the lab code -impl picks.
type impl struct {
	newServer func(dir string, maxBytes int64) streamingv1.FileServiceServer
	upload    uploadFunc
}

var (
	solutionImpl = impl{func(d string, m int64) streamingv1.FileServiceServer { return solution.NewFileServer(d, m) }, solution.UploadFile}
	exerciseImpl = impl{func(d string, m int64) streamingv1.FileServiceServer { return exercise.NewFileServer(d, m) }, exercise.UploadFile}
)

const usage = "upload -serve -dir DIR [-addr host:port] [-max-bytes N] [-grace 10s] [-impl solution|exercise]  |  upload [-addr host:port] [-name NAME] [-chunk BYTES] [-impl solution|exercise] FILE"

func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("upload")
	var (
		serve    = fs.Bool("serve", false, "run the upload server")
		addr     = fs.String("addr", "127.0.0.1:7072", "server address (to listen on with -serve, to dial otherwise)")
		dir      = fs.String("dir", "", "with -serve: the directory uploads are stored in (one server per directory)")
		maxBytes = fs.Int64("max-bytes", 64<<20, "with -serve: the largest file accepted")
		grace    = fs.Duration("grace", demo.DefaultGrace, "with -serve: on shutdown, how long running uploads may take before they are cut (and discarded)")
		name     = fs.String("name", "", "client: the name to store the file under (default: the file's base name)")
		chunk    = fs.Int("chunk", 32<<10, "client: chunk size in bytes")
		which    = demo.ImplFlag(fs)
	)
	if err := demo.Parse(fs, args, usage, 1, stdio.Err); err != nil {
		return err
	}
	im, err := demo.Pick(*which, solutionImpl, exerciseImpl)
	if err != nil {
		return err
	}

	if *serve {
		switch {
		case fs.NArg() > 0:
			return demo.Usagef("unexpected argument %q", fs.Arg(0))
		case *dir == "":
			return demo.Usagef("-serve needs -dir DIR")
		case *maxBytes <= 0 || *grace <= 0:
			return demo.Usagef("-max-bytes and -grace must be positive")
		}
		if st, err := os.Stat(*dir); err != nil || !st.IsDir() {
			return fmt.Errorf("-dir %s is not a directory", *dir)
		}
		// A server killed mid-upload (kill -9, a crash) ran no cleanup:
		// its partial files are ours to remove before serving.
		removed, err := backend.CleanPartial(*dir)
		if err != nil {
			return fmt.Errorf("cleaning %s: %w", filepath.Join(*dir, backend.PartialDir), err)
		}
		if removed > 0 {
			fmt.Fprintf(stdio.Err, "upload: removed %d partial upload(s) a previous server left in %s\n", removed, filepath.Join(*dir, backend.PartialDir))
		}
		return serveFiles(ctx, demo.Server{
			Addr: *addr, Grace: *grace, Out: stdio.Out,
			Banner: fmt.Sprintf("impl=%s, FileService, storing in %s, max %d bytes", *which, *dir, *maxBytes),
		}, im.newServer(*dir, *maxBytes))
	}

	if fs.NArg() != 1 {
		return demo.Usagef("give one FILE to upload (or -serve -dir DIR)")
	}
	if *chunk <= 0 || *chunk > 3<<20 {
		return demo.Usagef("-chunk must be between 1 and 3145728 bytes (gRPC's default message limit is 4 MiB)")
	}
	path := fs.Arg(0)
	if *name == "" {
		*name = filepath.Base(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// reached records that the server took the stream: an Unavailable
	// after that is a server that went away, not one that was never there.
	var reached atomic.Bool
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			cs, err := streamer(ctx, desc, cc, method, opts...)
			if err == nil {
				reached.Store(true)
			}
			return cs, err
		}))
	if err != nil {
		return demo.Usagef("bad -addr %q: %v", *addr, err)
	}
	defer conn.Close()
	fmt.Fprintf(stdio.Err, "upload: sending %s as %s to %s (impl=%s)\n", path, *name, *addr, *which)
	resp, err := im.upload(ctx, streamingv1.NewFileServiceClient(conn), *name, f, *chunk)
	if err != nil {
		return describe(ctx, *addr, *name, err, reached.Load())
	}
	fmt.Fprintf(stdio.Out, "uploaded %s: %d bytes in %d chunks, sha256 %s\n", resp.GetName(), resp.GetBytes(), resp.GetChunks(), resp.GetSha256())
	return nil
}

// describe says in one line why an upload failed and what became of it.
func describe(ctx context.Context, addr, name string, err error, reached bool) error {
	s, ok := status.FromError(err)
	switch {
	case !ok:
		return err // a local error: reading the file
	case ctx.Err() != nil:
		return fmt.Errorf("upload of %s stopped before it finished (%s); the server keeps nothing of it", name, s.Message())
	case s.Code() == codes.Unavailable && reached:
		return fmt.Errorf("the upload server at %s went away during the upload of %s (%s); nothing was stored under that name: upload it again", addr, name, s.Message())
	case s.Code() == codes.Unavailable:
		return fmt.Errorf("cannot reach the upload server at %s: %s", addr, s.Message())
	}
	return fmt.Errorf("%s: %s", s.Code(), s.Message())
}

// serveFiles serves srv until ctx ends, then lets running uploads finish
// for the grace period and cuts the rest, whose partial files the handler
// removes as its stream fails.
func serveFiles(ctx context.Context, s demo.Server, srv streamingv1.FileServiceServer) error {
	s.Register = func(g *grpc.Server) { streamingv1.RegisterFileServiceServer(g, srv) }
	s.Services = []string{streamingv1.FileService_ServiceDesc.ServiceName}
	return demo.Serve(ctx, s)
}
