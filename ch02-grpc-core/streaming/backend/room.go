package backend

import (
	"errors"
	"slices"
	"sync"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
)

// ErrNameTaken is returned by [Room.Join] when a member already has the name.
var ErrNameTaken = errors.New("name already taken in this room")

// Room is a chat room: members join, say things to everyone else, leave.
// Each member has a bounded queue of messages to deliver. When a message
// does not fit, the member is removed and its Kicked channel closed: the
// room never waits for a slow reader, and never drops a message silently.
// It is safe for concurrent use.
type Room struct {
	mu        sync.Mutex
	queueSize int
	seq       uint64 // the last seq handed out
	members   map[string]*Member
}

// Member is one participant. Its handler sends what arrives on Messages
// and gives up when Kicked is closed.
type Member struct {
	name   string
	queue  chan *streamingv1.Message
	kicked chan struct{}
	gone   bool // left or kicked; guarded by the room's mu
}

// NewRoom returns an empty room whose members each queue at most queueSize
// undelivered messages (queueSize <= 0 means 64).
func NewRoom(queueSize int) *Room {
	if queueSize <= 0 {
		queueSize = 64
	}
	return &Room{queueSize: queueSize, members: map[string]*Member{}}
}

// Name is the member's name in the room.
func (m *Member) Name() string { return m.name }

// Messages delivers what the room sends to this member, in seq order. The
// messages are shared between members: never modify one.
func (m *Member) Messages() <-chan *streamingv1.Message { return m.queue }

// Kicked is closed when the room removed the member because its queue was
// full. The member is no longer in the room; nothing more is queued for it.
func (m *Member) Kicked() <-chan struct{} { return m.kicked }

// Join adds a member called name and announces it to everyone, the new
// member included: its own KIND_JOIN is the first message on its queue.
func (r *Room) Join(name string) (*Member, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.members[name]; ok {
		return nil, ErrNameTaken
	}
	m := &Member{name: name, queue: make(chan *streamingv1.Message, r.queueSize), kicked: make(chan struct{})}
	r.members[name] = m
	r.deliver(&streamingv1.Message{Sender: name, Kind: streamingv1.Message_KIND_JOIN}, nil)
	return m, nil
}

// Say sends content from m to every other member. A member that left or
// was kicked says nothing.
func (r *Room) Say(m *Member, content string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.gone {
		return
	}
	r.deliver(&streamingv1.Message{Sender: m.name, Content: content, Kind: streamingv1.Message_KIND_CHAT}, m)
}

// Leave removes m and tells the others. Calling it again, or after a kick,
// does nothing.
func (r *Room) Leave(m *Member) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.gone {
		return
	}
	r.remove(m)
	r.deliver(&streamingv1.Message{Sender: m.name, Kind: streamingv1.Message_KIND_LEAVE}, nil)
}

// Members returns the names in the room, sorted.
func (r *Room) Members() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.members))
	for n := range r.members {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (r *Room) remove(m *Member) {
	m.gone = true
	delete(r.members, m.name)
}

// deliver stamps msg with the next seq and queues it for every member but
// except. It holds r.mu, so every queue sees messages in seq order. A full
// queue gets its member kicked, which is announced in turn.
func (r *Room) deliver(msg *streamingv1.Message, except *Member) {
	r.seq++
	msg.Seq = r.seq
	var slow []*Member
	for _, m := range r.members {
		if m == except {
			continue
		}
		select {
		case m.queue <- msg:
		default: // full: never wait while holding the room
			slow = append(slow, m)
		}
	}
	for _, m := range slow {
		if m.gone { // kicked by a nested announcement already
			continue
		}
		r.remove(m)
		close(m.kicked)
		r.deliver(&streamingv1.Message{Sender: m.name, Kind: streamingv1.Message_KIND_LEAVE, Content: "too slow"}, nil)
	}
}
