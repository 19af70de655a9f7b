// Command chat is the streaming lab's chat room (2.3, 双向流式RPC): a server
// for ChatService.ExchangeMessages and an interactive terminal client.
//
//	go run ./ch02-grpc-core/cmd/chat -serve                  # the room, on 127.0.0.1:7070
//	go run ./ch02-grpc-core/cmd/chat -join alice             # in another terminal
//	go run ./ch02-grpc-core/cmd/chat -join bob               # and another
//
// A client sends every line it reads from stdin and prints what the others
// say. It leaves on end of input (Ctrl-D: a half-close, the stream ends with
// OK) or on Ctrl-C (a cancel). The server has reflection on, so grpcurl can
// join too. -impl=exercise runs your handler instead of the solution's.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/solution"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) { // the flag package has said it already
			fmt.Fprintln(os.Stderr, "chat:", err)
		}
		os.Exit(1)
	}
}

// errUsage reports bad flags, which the flag package has already explained.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		serve = fs.Bool("serve", false, "run the chat server")
		name  = fs.String("join", "", "join the room under this `name` and chat from the terminal")
		addr  = fs.String("addr", "127.0.0.1:7070", "server address (to listen on with -serve, to dial with -join)")
		queue = fs.Int("queue", 64, "with -serve: messages queued per member before a slow member is removed")
		impl  = fs.String("impl", "solution", "with -serve: whose handler runs, solution or exercise")
	)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case *serve && *name != "":
		return errors.New("-serve and -join are exclusive")
	case *serve:
		srv, err := newServer(*impl, backend.NewRoom(*queue))
		if err != nil {
			return err
		}
		lis, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "chat: serving ChatService on %s (impl=%s, queue=%d)\n", lis.Addr(), *impl, *queue)
		return serveRoom(ctx, lis, srv, 2*time.Second)
	case *name != "":
		return chat(ctx, *addr, *name, stdin, stdout)
	default:
		return errors.New("say -serve, or -join NAME (see -h)")
	}
}

func newServer(impl string, room *backend.Room) (streamingv1.ChatServiceServer, error) {
	switch impl {
	case "solution":
		return solution.NewChatServer(room), nil
	case "exercise":
		return exercise.NewChatServer(room), nil
	}
	return nil, fmt.Errorf("-impl must be solution or exercise, not %q", impl)
}

// serveRoom serves until ctx ends, then gives open streams grace to end.
func serveRoom(ctx context.Context, lis net.Listener, srv streamingv1.ChatServiceServer, grace time.Duration) error {
	g := grpc.NewServer()
	streamingv1.RegisterChatServiceServer(g, srv)
	reflection.Register(g) // lets grpcurl list and call the service
	done := make(chan error, 1)
	go func() { done <- g.Serve(lis) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	// GracefulStop waits for every open stream, and a chat stream stays open
	// until its member leaves: give members a moment, then cut them off.
	stopped := make(chan struct{})
	go func() { g.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(grace):
		g.Stop()
		<-stopped
	}
	return <-done
}

// chat joins the room as name and relays between the terminal and the stream.
func chat(ctx context.Context, addr, name string, stdin io.Reader, stdout io.Writer) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := streamingv1.NewChatServiceClient(conn).ExchangeMessages(ctx)
	if err != nil {
		return describe(addr, err)
	}
	if err := stream.Send(&streamingv1.Message{Sender: name}); err != nil && err != io.EOF {
		return describe(addr, err)
	}
	// The room acknowledges a join with our own KIND_JOIN; anything else
	// (a taken name, no server) arrives here as an error.
	first, err := stream.Recv()
	if err != nil {
		return describe(addr, err)
	}
	print(stdout, first, name)

	// Receive in the background; this goroutine ends when the stream does.
	recvDone := make(chan error, 1)
	go func() {
		for {
			m, err := stream.Recv()
			if err != nil {
				recvDone <- err
				return
			}
			print(stdout, m, name)
		}
	}()

	// Read stdin in the background too, so a stream that ends (a kick, a
	// server going away) ends the program even while stdin is idle.
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()

	for {
		select {
		case line, ok := <-lines:
			if !ok {
				// End of input: half-close, then wait for the server to end
				// the stream, which it does with OK once we have left.
				if err := stream.CloseSend(); err != nil {
					return err
				}
				lines = nil
				continue
			}
			if line == "" {
				continue
			}
			if err := stream.Send(&streamingv1.Message{Content: line}); err != nil && err != io.EOF {
				return describe(addr, err)
			} // on io.EOF the stream is over; recvDone says why
		case err := <-recvDone:
			if err == io.EOF {
				return nil
			}
			return describe(addr, err)
		case <-ctx.Done():
			return nil // Ctrl-C: the deferred cancel ends the stream; that is a clean exit
		}
	}
}

func print(w io.Writer, m *streamingv1.Message, me string) {
	switch m.GetKind() {
	case streamingv1.Message_KIND_JOIN:
		if m.GetSender() == me {
			fmt.Fprintf(w, "* you joined as %s\n", me)
		} else {
			fmt.Fprintf(w, "* %s joined\n", m.GetSender())
		}
	case streamingv1.Message_KIND_LEAVE:
		if m.GetContent() != "" {
			fmt.Fprintf(w, "* %s left (%s)\n", m.GetSender(), m.GetContent())
		} else {
			fmt.Fprintf(w, "* %s left\n", m.GetSender())
		}
	default:
		fmt.Fprintf(w, "[%s] %s\n", m.GetSender(), m.GetContent())
	}
}

// describe turns a stream error into one line a person can act on.
func describe(addr string, err error) error {
	s := status.Convert(err)
	switch s.Code() {
	case codes.Unavailable:
		return fmt.Errorf("cannot reach the chat server at %s: %s", addr, s.Message())
	case codes.ResourceExhausted:
		return fmt.Errorf("removed from the room: %s", s.Message())
	case codes.Canceled:
		return nil
	}
	return fmt.Errorf("%s: %s", s.Code(), s.Message())
}
