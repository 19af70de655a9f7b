package exercise

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/grpc"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
	"github.com/grpclabs/labs/scripts/labkit"
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

// checkSender is given: nil for a usable member name.
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

var _ = checkSender // used by your ExchangeMessages

// ExchangeMessages is one member's whole stay in the room.
//
// Step 6:
//
//  1. Join: Recv the first message. io.EOF: return nil. A sender that
//     checkSender refuses is InvalidArgument. s.room.Join(name); a name in
//     use (backend.ErrNameTaken) is AlreadyExists. defer s.room.Leave(me).
//  2. Receive in a goroutine of your own: Recv in a loop, s.room.Say(me,
//     content) for each message; on any error, hand it to the handler
//     through a buffered channel and return.
//  3. Send from the handler itself, in a select loop: each message from
//     me.Messages() goes to stream.Send (an error ends the handler).
//  4. The receive goroutine's error: io.EOF (half-close) means the member
//     leaves: return nil. Any other error: return it.
//  5. stream.Context().Done(): return the context's status.
//  6. me.Kicked() closed: the room removed this member because its queue
//     stayed full (its client stopped reading). Return kickedError(name)
//     (step 7 writes it).
func (s *ChatServer) ExchangeMessages(stream grpc.BidiStreamingServer[streamingv1.Message, streamingv1.Message]) error {
	return labkit.TODO("ChatServer.ExchangeMessages")
}

// kickedError ends the stream of a member the room removed because its
// queue was full.
//
// Step 7: which status code says "a resource ran out", and what message
// lets the client tell this from a network error?
func kickedError(name string) error {
	return labkit.TODO("kickedError")
}
