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
//
// A member who pastes many lines at once is slowed down (the room waits for
// the others' queues to have room), never the readers; a member whose
// client stops reading is removed once its queue has stayed full for
// -patience. Stop the server with Ctrl-C: members get -grace to leave.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

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

func main() { demo.Main("chat", run) }

const usage = "chat -serve [-addr host:port] [-impl solution|exercise] [-queue N] [-patience 5s] [-grace 2s]  |  chat -join NAME [-addr host:port]"

func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("chat")
	var (
		serve    = fs.Bool("serve", false, "run the chat server")
		name     = fs.String("join", "", "join the room under this `name` and chat from the terminal")
		addr     = fs.String("addr", "127.0.0.1:7070", "server address (to listen on with -serve, to dial with -join)")
		queue    = fs.Int("queue", 64, "with -serve: messages queued per member; a speaker waits while a queue is full")
		patience = fs.Duration("patience", backend.DefaultPatience, "with -serve: how long a member's queue may stay full before the member is removed for not reading")
		grace    = fs.Duration("grace", 2*time.Second, "with -serve: on shutdown, how long members may stay before their streams are cut")
		impl     = demo.ImplFlag(fs)
	)
	if err := demo.Parse(fs, args, usage, 0, stdio.Err); err != nil {
		return err
	}
	switch {
	case *serve && *name != "":
		return demo.Usagef("-serve and -join are exclusive")
	case *serve:
		if *queue < 1 || *patience <= 0 || *grace <= 0 {
			return demo.Usagef("-queue, -patience and -grace must be positive")
		}
		room := backend.NewRoom(*queue)
		room.SetPatience(*patience)
		srv, err := demo.Pick[streamingv1.ChatServiceServer](*impl, solution.NewChatServer(room), exercise.NewChatServer(room))
		if err != nil {
			return err
		}
		return serveRoom(ctx, demo.Server{
			Addr: *addr, Grace: *grace, Out: stdio.Out,
			Banner: fmt.Sprintf("impl=%s, ChatService, queue %d, patience %v", *impl, *queue, *patience),
		}, srv)
	case *name != "":
		return chat(ctx, *addr, *name, stdio.In, stdio.Out)
	default:
		return demo.Usagef("say -serve, or -join NAME")
	}
}

// serveRoom serves srv until ctx ends. A chat stream stays open until its
// member leaves, so on shutdown members get the grace period, then are cut.
func serveRoom(ctx context.Context, s demo.Server, srv streamingv1.ChatServiceServer) error {
	s.Register = func(g *grpc.Server) { streamingv1.RegisterChatServiceServer(g, srv) }
	s.Services = []string{streamingv1.ChatService_ServiceDesc.ServiceName}
	return demo.Serve(ctx, s)
}

// chat joins the room as name and relays between the terminal and the stream.
func chat(ctx context.Context, addr, name string, stdin io.Reader, stdout io.Writer) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return demo.Usagef("bad -addr %q: %v", addr, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := streamingv1.NewChatServiceClient(conn).ExchangeMessages(ctx)
	if err != nil {
		return describe(ctx, addr, err, false)
	}
	if err := stream.Send(&streamingv1.Message{Sender: name}); err != nil && err != io.EOF {
		return describe(ctx, addr, err, false)
	}
	// The room acknowledges a join with our own KIND_JOIN; anything else
	// (a taken name, no server) arrives here as an error.
	first, err := stream.Recv()
	if err != nil {
		return describe(ctx, addr, err, false)
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
		r := bufio.NewReader(stdin)
		for {
			line, long, err := readLine(r, maxLine)
			if long {
				fmt.Fprintf(stdout, "* that line is longer than %d bytes: not sent\n", maxLine)
				continue
			}
			if err != nil {
				return // end of input (or a read error: the same, we leave)
			}
			select {
			case lines <- line:
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
			// Send waits while the room is busy delivering our earlier lines
			// (flow control): a pasted page is paced, not dropped.
			if err := stream.Send(&streamingv1.Message{Content: line}); err != nil && err != io.EOF {
				return describe(ctx, addr, err, true)
			} // on io.EOF the stream is over; recvDone says why
		case err := <-recvDone:
			if err == io.EOF {
				return nil
			}
			return describe(ctx, addr, err, true)
		case <-ctx.Done():
			return nil // Ctrl-C: the deferred cancel ends the stream; that is a clean exit
		}
	}
}

// maxLine bounds one chat line; longer ones are refused, not cut or sent
// in pieces nobody asked for.
const maxLine = 16 << 10

// readLine reads one line without its newline, or reports that it was
// longer than max (and skips the rest of it). A last line without a
// newline counts; then io.EOF.
func readLine(r *bufio.Reader, max int) (line string, long bool, err error) {
	var b []byte
	for {
		frag, err := r.ReadSlice('\n')
		if len(b)+len(frag) > max+1 { // +1: the newline
			long = true
		} else {
			b = append(b, frag...)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err != nil && (len(b) == 0 && !long || err != io.EOF):
			return "", false, err
		}
		if long {
			return "", true, nil
		}
		b = bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r"))
		return string(b), false, nil
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
// joined says the room had let us in: an Unavailable after that means the
// server went away, not that it was never there.
func describe(ctx context.Context, addr string, err error, joined bool) error {
	if ctx.Err() != nil {
		return nil // Ctrl-C: leaving is not a failure
	}
	s := status.Convert(err)
	switch {
	case s.Code() == codes.Unavailable && joined:
		return fmt.Errorf("lost the chat server at %s: %s", addr, s.Message())
	case s.Code() == codes.Unavailable:
		return fmt.Errorf("cannot reach the chat server at %s: %s", addr, s.Message())
	case s.Code() == codes.ResourceExhausted, s.Code() == codes.AlreadyExists, s.Code() == codes.InvalidArgument:
		return errors.New(s.Message()) // the room's own words
	}
	return fmt.Errorf("%s: %s", s.Code(), s.Message())
}
