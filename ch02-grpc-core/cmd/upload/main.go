// Command upload is the streaming lab's file upload (2.3, 客户端流式RPC,
// "文件分片上传"): a server for FileService.Upload and a client for it.
//
//	go run ./ch02-grpc-core/cmd/upload -serve -dir /tmp/uploads        # on 127.0.0.1:7072
//	go run ./ch02-grpc-core/cmd/upload ./report.pdf                    # prints the summary
//	go run ./ch02-grpc-core/cmd/upload -name copy.pdf -chunk 4096 ./report.pdf
//
// The server writes each upload to a temporary file and renames it into
// place only when the checksum matched, so -dir never shows half a file.
// It has reflection on, so grpcurl can call Upload too. -impl=exercise runs
// your server handler and your client function instead of the solution's.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/solution"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) { // the flag package has said it already
			fmt.Fprintln(os.Stderr, "upload:", err)
		}
		os.Exit(1)
	}
}

// errUsage reports bad flags, which the flag package has already explained.
var errUsage = errors.New("usage")

type uploadFunc func(ctx context.Context, c streamingv1.FileServiceClient, name string, r io.ReadSeeker, chunkSize int) (*streamingv1.UploadResponse, error)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("upload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: upload -serve -dir DIR [flags]   |   upload [flags] FILE")
		fs.PrintDefaults()
	}
	var (
		serve    = fs.Bool("serve", false, "run the upload server")
		addr     = fs.String("addr", "127.0.0.1:7072", "server address (to listen on with -serve, to dial otherwise)")
		dir      = fs.String("dir", "", "with -serve: the directory uploads are stored in")
		maxBytes = fs.Int64("max-bytes", 64<<20, "with -serve: the largest file accepted")
		name     = fs.String("name", "", "client: the name to store the file under (default: the file's base name)")
		chunk    = fs.Int("chunk", 32<<10, "client: chunk size in bytes")
		impl     = fs.String("impl", "solution", "whose code runs, solution or exercise")
	)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	var (
		newServer func(string, int64) streamingv1.FileServiceServer
		upload    uploadFunc
	)
	switch *impl {
	case "solution":
		newServer = func(d string, m int64) streamingv1.FileServiceServer { return solution.NewFileServer(d, m) }
		upload = solution.UploadFile
	case "exercise":
		newServer = func(d string, m int64) streamingv1.FileServiceServer { return exercise.NewFileServer(d, m) }
		upload = exercise.UploadFile
	default:
		return fmt.Errorf("-impl must be solution or exercise, not %q", *impl)
	}

	if *serve {
		if fs.NArg() > 0 {
			return fmt.Errorf("unexpected argument %q", fs.Arg(0))
		}
		if *dir == "" {
			return errors.New("-serve needs -dir DIR")
		}
		if st, err := os.Stat(*dir); err != nil || !st.IsDir() {
			return fmt.Errorf("-dir %s is not a directory", *dir)
		}
		if *maxBytes <= 0 {
			return errors.New("-max-bytes must be positive")
		}
		lis, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "upload: serving FileService on %s, storing in %s (impl=%s, max %d bytes)\n", lis.Addr(), *dir, *impl, *maxBytes)
		return serveFiles(ctx, lis, newServer(*dir, *maxBytes))
	}

	if fs.NArg() != 1 {
		return errors.New("give one FILE to upload (or -serve -dir DIR)")
	}
	if *chunk <= 0 || *chunk > 3<<20 {
		return errors.New("-chunk must be between 1 and 3145728 bytes (gRPC's default message limit is 4 MiB)")
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
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	resp, err := upload(ctx, streamingv1.NewFileServiceClient(conn), *name, f, *chunk)
	if err != nil {
		if s, ok := status.FromError(err); ok {
			if s.Code() == codes.Unavailable {
				return fmt.Errorf("cannot reach the upload server at %s: %s", *addr, s.Message())
			}
			return fmt.Errorf("%s: %s", s.Code(), s.Message())
		}
		return err
	}
	fmt.Fprintf(stdout, "uploaded %s: %d bytes in %d chunks, sha256 %s\n", resp.GetName(), resp.GetBytes(), resp.GetChunks(), resp.GetSha256())
	return nil
}

// serveFiles serves until ctx ends, then lets running uploads finish.
func serveFiles(ctx context.Context, lis net.Listener, srv streamingv1.FileServiceServer) error {
	g := grpc.NewServer()
	streamingv1.RegisterFileServiceServer(g, srv)
	reflection.Register(g)
	done := make(chan error, 1)
	go func() { done <- g.Serve(lis) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	g.GracefulStop() // uploads end by themselves, unlike tails and chats
	return <-done
}
