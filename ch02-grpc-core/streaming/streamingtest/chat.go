package streamingtest

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
	"github.com/grpclabs/labs/scripts/labkit"
)

// NewChatServerFunc builds the chat service over a room.
type NewChatServerFunc[S streamingv1.ChatServiceServer] func(*backend.Room) S

type chatStream = grpc.BidiStreamingClient[streamingv1.Message, streamingv1.Message]

const (
	kindChat  = streamingv1.Message_KIND_CHAT
	kindJoin  = streamingv1.Message_KIND_JOIN
	kindLeave = streamingv1.Message_KIND_LEAVE
)

func serveChat[S streamingv1.ChatServiceServer](t *testing.T, tr labkit.Transport, srv S) (streamingv1.ChatServiceClient, *labkit.Server, *probe) {
	s, p := serve(t, tr, func(g *grpc.Server) { streamingv1.RegisterChatServiceServer(g, srv) })
	return streamingv1.NewChatServiceClient(s.Conn), s, p
}

// member is one test client in the room; it checks that seq only grows.
type member struct {
	name    string
	stream  chatStream
	lastSeq uint64
}

// join opens a stream, sends the join message, and waits for the member's
// own KIND_JOIN: from then on the member is in the room.
func join(t *testing.T, step labkit.Step, client streamingv1.ChatServiceClient, name string, opts ...grpc.CallOption) *member {
	t.Helper()
	ctx, _ := ctxWithCancel(t)
	stream, err := client.ExchangeMessages(ctx, opts...)
	step.Require(t, err)
	m := &member{name: name, stream: stream}
	step.Require(t, m.send(&streamingv1.Message{Sender: name}))
	got := m.recv(t, step, name+"'s own join notice")
	if got.GetKind() != kindJoin || got.GetSender() != name {
		t.Fatalf("%s's first message = {%v}, want its own KIND_JOIN: the acknowledgement that it is in the room", name, got)
	}
	return m
}

func (m *member) recv(t *testing.T, step labkit.Step, what string) *streamingv1.Message {
	t.Helper()
	got, err := recvWithin(t, m.stream.Recv, m.name+" waiting for "+what)
	if errors.Is(err, io.EOF) {
		t.Fatalf("%s waiting for %s: the stream ended (OK)", m.name, what)
	}
	step.Require(t, err)
	if got.GetSeq() <= m.lastSeq {
		t.Fatalf("%s received seq %d after %d: every member sees the room's messages in seq order", m.name, got.GetSeq(), m.lastSeq)
	}
	m.lastSeq = got.GetSeq()
	return got
}

// expect receives the next message and checks its kind, sender and content.
func (m *member) expect(t *testing.T, step labkit.Step, kind streamingv1.Message_Kind, sender, content string) {
	t.Helper()
	what := fmt.Sprintf("%v from %s %q", kind, sender, content)
	got := m.recv(t, step, what)
	if got.GetKind() != kind || got.GetSender() != sender || got.GetContent() != content {
		t.Fatalf("%s received {%v}, want %s", m.name, got, what)
	}
}

// send sends msg; if the server already ended the stream, the error is the
// status it ended with.
func (m *member) send(msg *streamingv1.Message) error {
	return sent(m.stream.Send(msg), func() error { return drain(m.stream) })
}

// drain receives until the stream ends and returns how it ended.
func drain(stream chatStream) error {
	for {
		if _, err := stream.Recv(); err != nil {
			return err
		}
	}
}

func (m *member) say(t *testing.T, step labkit.Step, content string) {
	t.Helper()
	step.Require(t, m.send(&streamingv1.Message{Content: content}))
}

// TestChat: step 6, ExchangeMessages as a chat room: join, broadcast to
// the others in order, leave on half-close or cancel, 50 members at once.
func TestChat[S streamingv1.ChatServiceServer](t *testing.T, newServer NewChatServerFunc[S]) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		client, _, _ := serveChat(t, tr, newServer(backend.NewRoom(256)))
		alice := join(t, step6, client, "alice")
		bob := join(t, step6, client, "bob")
		alice.expect(t, step6, kindJoin, "bob", "")
		carol := join(t, step6, client, "carol")
		alice.expect(t, step6, kindJoin, "carol", "")
		bob.expect(t, step6, kindJoin, "carol", "")

		alice.say(t, step6, "hi all")
		bob.expect(t, step6, kindChat, "alice", "hi all")
		carol.expect(t, step6, kindChat, "alice", "hi all")
		// alice does not get her own line back: her next message is bob's.
		bob.say(t, step6, "hey alice")
		alice.expect(t, step6, kindChat, "bob", "hey alice")
		carol.expect(t, step6, kindChat, "bob", "hey alice")
		// The server names the sender, whatever the client claims.
		step6.Require(t, carol.send(&streamingv1.Message{Sender: "alice", Content: "it was me"}))
		alice.expect(t, step6, kindChat, "carol", "it was me")
		bob.expect(t, step6, kindChat, "carol", "it was me")
	})

	t.Run("ordering", func(t *testing.T) {
		client, _, _ := serveChat(t, labkit.Bufconn, newServer(backend.NewRoom(1024)))
		alice := join(t, step6, client, "alice")
		carol := join(t, step6, client, "carol")
		bob := join(t, step6, client, "bob")
		const n = 200
		var wg sync.WaitGroup
		for _, m := range []*member{alice, carol} {
			wg.Go(func() {
				for i := range n {
					if err := m.stream.Send(&streamingv1.Message{Content: fmt.Sprintf("%s %d", m.name, i)}); err != nil {
						return // the receiving side reports it
					}
				}
			})
		}
		next := map[string]int{"alice": 0, "carol": 0}
		for next["alice"] < n || next["carol"] < n {
			got := bob.recv(t, step6, "the next line from alice or carol")
			if got.GetKind() != kindChat {
				t.Fatalf("bob received {%v}, want only chat lines here", got)
			}
			s := got.GetSender()
			if want := fmt.Sprintf("%s %d", s, next[s]); got.GetContent() != want {
				t.Fatalf("bob received %q from %s, want %q: each sender's lines arrive in the order sent", got.GetContent(), s, want)
			}
			next[s]++
		}
		wg.Wait()
	})

	leakFree(t, "half_close", func(t *testing.T) {
		room := backend.NewRoom(64)
		client, _, p := serveChat(t, labkit.Bufconn, newServer(room))
		alice := join(t, step6, client, "alice")
		bob := join(t, step6, client, "bob")
		alice.say(t, step6, "bye 1")
		alice.say(t, step6, "bye 2")
		step6.Require(t, alice.stream.CloseSend())
		bob.expect(t, step6, kindChat, "alice", "bye 1")
		bob.expect(t, step6, kindChat, "alice", "bye 2")
		bob.expect(t, step6, kindLeave, "alice", "")
		// alice's stream ends with OK: what was queued for her may be
		// dropped, but no error.
		for {
			_, err := recvWithin(t, alice.stream.Recv, "the end of alice's stream after CloseSend")
			if err == io.EOF {
				break
			}
			step6.Require(t, err)
		}
		if err := p.waitEnded(t, "alice half-closed"); err != nil {
			t.Fatalf("the handler returned %v after a half-close, want nil (OK): CloseSend is how a member leaves", err)
		}
		if got := room.Members(); !slices.Equal(got, []string{"bob"}) {
			t.Fatalf("room members after alice left: %q, want [bob]", got)
		}
		step6.Require(t, bob.stream.CloseSend())
		p.waitEnded(t, "bob half-closed")
	})

	leakFree(t, "cancel", func(t *testing.T) {
		room := backend.NewRoom(64)
		client, _, p := serveChat(t, labkit.Bufconn, newServer(room))
		alice := join(t, step6, client, "alice")
		ctx, cancel := ctxWithCancel(t)
		bobStream, err := client.ExchangeMessages(ctx)
		step6.Require(t, err)
		step6.Require(t, sent(bobStream.Send(&streamingv1.Message{Sender: "bob"}), func() error { return drain(bobStream) }))
		alice.expect(t, step6, kindJoin, "bob", "")
		cancel() // bob's client goes away mid-stream
		alice.expect(t, step6, kindLeave, "bob", "")
		err = p.waitEnded(t, "bob's client cancelled")
		wantCode(t, step6, err, codes.Canceled, "the handler's return after the client cancelled")
		if got := room.Members(); !slices.Equal(got, []string{"alice"}) {
			t.Fatalf("room members after bob's client cancelled: %q, want [alice]", got)
		}
		step6.Require(t, alice.stream.CloseSend())
		p.waitEnded(t, "alice half-closed")
	})

	t.Run("join_errors", func(t *testing.T) {
		client, _, _ := serveChat(t, labkit.Bufconn, newServer(backend.NewRoom(64)))
		for _, name := range []string{"", "two words", "tab\tname", strings.Repeat("n", 33)} {
			stream, err := client.ExchangeMessages(t.Context())
			step6.Require(t, err)
			step6.Require(t, sent(stream.Send(&streamingv1.Message{Sender: name, Content: "hello"}), func() error { return drain(stream) }))
			_, err = recvWithin(t, stream.Recv, "the answer to a bad join")
			wantCode(t, step6, err, codes.InvalidArgument, fmt.Sprintf("joining as %q", name))
		}
		alice := join(t, step6, client, "alice")
		stream, err := client.ExchangeMessages(t.Context())
		step6.Require(t, err)
		step6.Require(t, sent(stream.Send(&streamingv1.Message{Sender: "alice"}), func() error { return drain(stream) }))
		_, err = recvWithin(t, stream.Recv, "the answer to a second alice")
		wantCode(t, step6, err, codes.AlreadyExists, "joining as alice while alice is in the room")
		step6.Require(t, alice.stream.CloseSend())
		for {
			if _, err := recvWithin(t, alice.stream.Recv, "the end of alice's stream"); err != nil {
				break
			}
		}
		join(t, step6, client, "alice") // the name is free again once she left
	})

	t.Run("50_members", func(t *testing.T) {
		room := backend.NewRoom(4096)
		client, _, p := serveChat(t, labkit.Bufconn, newServer(room))
		const n = 50
		members := make([]*member, n)
		for i := range n {
			members[i] = join(t, step6, client, fmt.Sprintf("m%02d", i))
		}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for _, m := range members {
			wg.Go(func() {
				if err := m.stream.Send(&streamingv1.Message{Content: "hello from " + m.name}); err != nil {
					errs <- err
					return
				}
				heard := map[string]bool{}
				var last uint64
				for len(heard) < n-1 {
					got, err := m.stream.Recv()
					if err != nil {
						errs <- err // as it is: a TODO must stay recognisable
						return
					}
					if got.GetSeq() <= last {
						errs <- fmt.Errorf("%s: seq %d after %d", m.name, got.GetSeq(), last)
						return
					}
					last = got.GetSeq()
					if got.GetKind() != kindChat {
						continue
					}
					if got.GetSender() == m.name || heard[got.GetSender()] || got.GetContent() != "hello from "+got.GetSender() {
						errs <- fmt.Errorf("%s received {%v}: want each other member's line once, never its own", m.name, got)
						return
					}
					heard[got.GetSender()] = true
				}
				errs <- m.stream.CloseSend()
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			step6.Require(t, err)
		}
		for range n {
			p.waitEnded(t, "every member half-closed")
		}
		if got := room.Members(); len(got) != 0 {
			t.Fatalf("room members after everyone left: %q, want none", got)
		}
	})
}

// TestChatSlowReader: step 7, a member that stops reading is removed with
// ResourceExhausted once its queue has stayed full for the room's patience,
// and the room waits for nobody longer than that; a member that reads is
// never removed, however fast another one talks. Both run in a synctest
// bubble, so the patience (seconds) passes instantly, and exactly when
// nobody can make progress: no busy machine can make a reader look slow.
func TestChatSlowReader[S streamingv1.ChatServiceServer](t *testing.T, newServer NewChatServerFunc[S]) {
	// A TODO inside a bubble would be reported as a pass: find it first,
	// the room's loop and the kicked member's ending both.
	probeChat(t, step7, newServer)
	probeKicked(t, newServer)

	t.Run("slow_member", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			const queue = 4
			room := backend.NewRoom(queue)
			client, s, p := serveChat(t, labkit.Bufconn, newServer(room))
			// A connection with a fixed 64 KiB window: once a few messages sit
			// unread, the server's Send to this member blocks.
			slowConn := s.Dial(grpc.WithInitialWindowSize(64<<10), grpc.WithInitialConnWindowSize(64<<10))
			slow := join(t, step7, streamingv1.NewChatServiceClient(slowConn), "slow")
			alice := join(t, step7, client, "alice")
			bob := join(t, step7, client, "bob")
			alice.expect(t, step7, kindJoin, "bob", "")

			// alice talks, bob reads every line; slow reads nothing. Each line
			// waits until bob has it, so bob's queue never fills.
			pad := strings.Repeat(".", 16<<10)
			const limit = 500 // 8 MB: far beyond any buffering between room and slow
			kickedAt := -1
			start := time.Now()
			for i := 0; i < limit && kickedAt < 0; i++ {
				alice.say(t, step7, fmt.Sprintf("%d %s", i, pad))
				got := bob.recv(t, step7, fmt.Sprintf("alice's line %d", i))
				if got.GetKind() != kindChat || !strings.HasPrefix(got.GetContent(), fmt.Sprintf("%d ", i)) {
					t.Fatalf("bob received {%.80v}, want alice's line %d: the room must keep going while slow does not read", got, i)
				}
				// Members waits for the room's lock: line i has been delivered
				// (or not) to everyone by the time it answers.
				if !slices.Contains(room.Members(), "slow") {
					kickedAt = i
				}
			}
			if kickedAt < 0 {
				t.Fatalf("slow never read and was still in the room after %d lines of 16 KiB (queue %d)", limit, queue)
			}
			if waited := time.Since(start); waited != backend.DefaultPatience {
				t.Errorf("the room waited %v for slow in all, want exactly its patience, %v: the speaker waits for a full queue, then gives up on it", waited, backend.DefaultPatience)
			}
			t.Logf("slow was removed at line %d (queue %d, 16 KiB lines, 64 KiB window)", kickedAt, queue)
			bob.expect(t, step7, kindLeave, "slow", "too slow")
			alice.expect(t, step7, kindLeave, "slow", "too slow")
			alice.say(t, step7, "still here?")
			bob.expect(t, step7, kindChat, "alice", "still here?")

			// Now slow reads: what was queued before the kick, in order, then
			// the reason it was removed.
			slow.expect(t, step7, kindJoin, "alice", "")
			slow.expect(t, step7, kindJoin, "bob", "")
			var err error
			for i := 0; ; i++ {
				var got *streamingv1.Message
				got, err = recvWithin(t, slow.stream.Recv, "the end of slow's stream (return ResourceExhausted when Kicked() closes)")
				if err != nil {
					break
				}
				if i >= kickedAt || !strings.HasPrefix(got.GetContent(), fmt.Sprintf("%d ", i)) {
					t.Fatalf("slow received {%.80v} as its line %d; it was removed at line %d, so it may get lines 0..%d in order, then an error", got, i, kickedAt, kickedAt-1)
				}
			}
			wantCode(t, step7, err, codes.ResourceExhausted, "the end of slow's stream after it was removed for not reading")
			err = p.waitEnded(t, "the room removed slow")
			wantCode(t, step7, err, codes.ResourceExhausted, "the slow member's handler return")
			if got := room.Members(); !slices.Equal(got, []string{"alice", "bob"}) {
				t.Fatalf("room members: %q, want [alice bob]", got)
			}
			step7.Require(t, alice.stream.CloseSend())
			step7.Require(t, bob.stream.CloseSend())
			p.waitEnded(t, "alice half-closed")
			p.waitEnded(t, "bob half-closed")
		})
	})

	t.Run("burst", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			// One member pastes a page of lines at once, far more than a
			// queue holds; two others read at their own pace. The speaker
			// must be slowed down, not the readers thrown out.
			const queue, lines = 4, 300
			room := backend.NewRoom(queue)
			client, _, p := serveChat(t, labkit.Bufconn, newServer(room))
			alice := join(t, step7, client, "alice")
			bob := join(t, step7, client, "bob")
			alice.expect(t, step7, kindJoin, "bob", "")
			carol := join(t, step7, client, "carol")
			alice.expect(t, step7, kindJoin, "carol", "")
			bob.expect(t, step7, kindJoin, "carol", "")

			sent := make(chan error, 1)
			go func() {
				for i := range lines {
					if err := alice.send(&streamingv1.Message{Content: fmt.Sprintf("pasted line %d", i)}); err != nil {
						sent <- err
						return
					}
				}
				sent <- nil
			}()
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			for _, m := range []*member{bob, carol} {
				wg.Go(func() {
					for i := range lines {
						got, err := m.stream.Recv()
						if err != nil {
							errs <- fmt.Errorf("%s, reading every line, stopped at line %d of alice's burst: %w", m.name, i, err)
							return
						}
						if want := fmt.Sprintf("pasted line %d", i); got.GetKind() != kindChat || got.GetContent() != want {
							errs <- fmt.Errorf("%s received {%v} as line %d of alice's burst, want %q", m.name, got, i, want)
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if status.Code(err) == codes.ResourceExhausted {
					t.Fatalf("%v\n(a reader that keeps reading lost its seat to a burst: make the speaker wait for room in the queues instead)", err)
				}
				step7.Require(t, err)
			}
			step7.Require(t, <-sent)
			if got := room.Members(); !slices.Equal(got, []string{"alice", "bob", "carol"}) {
				t.Fatalf("room members after the burst: %q, want [alice bob carol]: nobody stopped reading", got)
			}
			for _, m := range []*member{alice, bob, carol} {
				step7.Require(t, m.stream.CloseSend())
			}
			for range 3 {
				p.waitEnded(t, "every member half-closed")
			}
		})
	})
}

// probeChat joins one member: a TODO stops the test here, outside any
// bubble.
// probeKicked has a member removed in real time, with a patience of a
// nanosecond, to ask the handler's ending for its TODO outside any bubble.
// What the ending must be is TestChatSlowReader's to check, on the fake
// clock; a member that is never removed leaves that to it as well.
func probeKicked[S streamingv1.ChatServiceServer](t *testing.T, newServer NewChatServerFunc[S]) {
	t.Helper()
	room := backend.NewRoom(1)
	room.SetPatience(time.Nanosecond)
	client, s, p := serveChat(t, labkit.Bufconn, newServer(room))
	slowConn := s.Dial(grpc.WithInitialWindowSize(64<<10), grpc.WithInitialConnWindowSize(64<<10))
	slow := join(t, step7, streamingv1.NewChatServiceClient(slowConn), "slow")
	alice := join(t, step7, client, "alice")
	pad := strings.Repeat(".", 16<<10)
	for i := 0; i < 500 && slices.Contains(room.Members(), "slow"); i++ {
		alice.say(t, step7, pad)
	}
	if slices.Contains(room.Members(), "slow") {
		return
	}
	p.waitEnded(t, "the room removed slow")
	for {
		_, err := recvWithin(t, slow.stream.Recv, "the end of slow's stream (return ResourceExhausted when Kicked() closes)")
		if err != nil {
			if status.Code(err) == codes.Unimplemented {
				step7.Require(t, err)
			}
			break
		}
	}
	step7.Require(t, alice.stream.CloseSend())
	p.waitEnded(t, "alice half-closed")
}

func probeChat[S streamingv1.ChatServiceServer](t *testing.T, step labkit.Step, newServer NewChatServerFunc[S]) {
	t.Helper()
	client, _, _ := serveChat(t, labkit.Bufconn, newServer(backend.NewRoom(4)))
	m := join(t, step, client, "probe")
	step.Require(t, m.stream.CloseSend())
}
