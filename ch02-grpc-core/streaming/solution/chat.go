package solution

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
)

// MaxSenderLen bounds a member's name, in characters.
const MaxSenderLen = 32

// ChatServer is the text's ChatService: one bidirectional stream per
// member, for as long as the member stays in the room.
type ChatServer struct {
	streamingv1.UnimplementedChatServiceServer
	room *backend.Room
}

// NewChatServer serves room.
func NewChatServer(room *backend.Room) *ChatServer {
	return &ChatServer{room: room}
}

func checkSender(name string) error {
	switch n := utf8.RuneCountInString(name); {
	case name == "":
		return errors.New("the first message must name the sender")
	case !utf8.ValidString(name):
		return errors.New("sender is not valid UTF-8")
	case n > MaxSenderLen:
		return fmt.Errorf("sender is %d characters, at most %d allowed", n, MaxSenderLen)
	case strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsGraphic(r) || unicode.IsSpace(r) }):
		return fmt.Errorf("sender %q may not contain spaces or control characters", name)
	}
	return nil
}

// ExchangeMessages joins the room with the first message, then runs both
// directions at once until one of them ends.
func (s *ChatServer) ExchangeMessages(stream grpc.BidiStreamingServer[streamingv1.Message, streamingv1.Message]) error {
	// 1. Join. The first message names the member.
	first, err := stream.Recv()
	if err == io.EOF {
		return nil // opened and closed without a word: nothing to do
	}
	if err != nil {
		return err
	}
	name := first.GetSender()
	if err := checkSender(name); err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	me, err := s.room.Join(name)
	if errors.Is(err, backend.ErrNameTaken) {
		return status.Errorf(codes.AlreadyExists, "%q is already in the room", name)
	}
	if err != nil {
		return status.Errorf(codes.Internal, "join: %v", err)
	}
	// However the handler ends (hang-up, cancel, error, kick), the member
	// leaves and the others are told. Leave after a kick does nothing.
	defer s.room.Leave(me)

	// 2. Receive in a goroutine of its own: Recv blocks, and this handler
	// must keep sending while it waits. gRPC allows one goroutine in Recv
	// and another in Send on the same stream, not two in either.
	recvDone := make(chan error, 1) // buffered: the goroutine never blocks on it
	go func() {
		for {
			in, err := stream.Recv()
			if err != nil {
				// io.EOF: the client half-closed. Anything else: the stream
				// broke or the handler returned, which cancels the stream and
				// ends this Recv too, so the goroutine never outlives it.
				recvDone <- err
				return
			}
			// The room stamps the sender itself: nobody speaks as another.
			s.room.Say(me, in.GetContent())
		}
	}()

	// 3. Send from the handler's own goroutine: Send must not run after
	// the handler has returned, and here it cannot.
	ctx := stream.Context()
	for {
		select {
		case msg := <-me.Messages():
			if err := stream.Send(msg); err != nil {
				return err
			}
		case <-me.Kicked():
			// Our queue stayed full: this client stopped reading. The room
			// has already moved on; tell the client why it is out.
			return kickedError(name)
		case err := <-recvDone:
			if err == io.EOF {
				// Half-close means "I am leaving": end the stream with OK.
				return nil
			}
			return err
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	}
}

// kickedError ends the stream of a member the room removed because its
// queue stayed full: ResourceExhausted, a resource (the queue) ran out, and
// the message says which, so the client can tell it from a network error.
func kickedError(name string) error {
	return status.Errorf(codes.ResourceExhausted, "%q was removed from the room: it stopped reading, and its queue stayed full", name)
}
