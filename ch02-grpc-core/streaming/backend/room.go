package backend

import (
	"errors"
	"slices"
	"sync"
	"time"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
)

// ErrNameTaken is returned by [Room.Join] when a member already has the name.
var ErrNameTaken = errors.New("name already taken in this room")

// DefaultPatience is how long a full queue may stay full before its member
// is removed, unless [Room.SetPatience] says otherwise.
const DefaultPatience = 5 * time.Second

// Room is a chat room: members join, say things to everyone else, leave.
// Each member has a bounded queue of messages to deliver.
//
// The room never drops a message silently, and the slowest attentive
// reader sets the pace: when a member's queue is full, [Room.Say] waits
// for it to make room, which stops the speaker's handler from reading, so
// HTTP/2 flow control pushes back on the speaker's client. A burst (a
// pasted page of lines) therefore slows its sender down and costs nobody
// their seat. A member whose queue stays full for the room's patience has
// stopped reading: it is removed and its Kicked channel closed, so one
// stuck reader holds the room up for a few seconds at most, not forever.
// It is safe for concurrent use.
type Room struct {
	mu        sync.Mutex // guards members, seq and every Member's gone
	queueSize int
	patience  time.Duration
	seq       uint64 // the last seq handed out
	members   map[string]*Member

	// speak is held for a whole delivery (Join's, Say's, Leave's
	// announcement), so every queue gets messages in seq order even while
	// a delivery waits for a full queue with mu released. A channel of one,
	// not a mutex: waiting on a channel is what testing/synctest counts as
	// blocked, so the patience's timer can fire in a bubble.
	speak chan struct{}
}

func (r *Room) lockSpeak()   { r.speak <- struct{}{} }
func (r *Room) unlockSpeak() { <-r.speak }

// Member is one participant. Its handler sends what arrives on Messages
// and gives up when Kicked is closed.
type Member struct {
	name   string
	queue  chan *streamingv1.Message
	kicked chan struct{} // closed when the room removed the member
	left   chan struct{} // closed when it left or was removed: stop waiting for it
	gone   bool          // left or kicked; guarded by the room's mu
}

// NewRoom returns an empty room whose members each queue at most queueSize
// undelivered messages (queueSize <= 0 means 64).
func NewRoom(queueSize int) *Room {
	if queueSize <= 0 {
		queueSize = 64
	}
	return &Room{queueSize: queueSize, patience: DefaultPatience, members: map[string]*Member{}, speak: make(chan struct{}, 1)}
}

// SetPatience sets how long a full queue may stay full before its member
// is removed (d <= 0 means DefaultPatience). Call it before the room is used.
func (r *Room) SetPatience(d time.Duration) {
	if d <= 0 {
		d = DefaultPatience
	}
	r.patience = d
}

// Name is the member's name in the room.
func (m *Member) Name() string { return m.name }

// Messages delivers what the room sends to this member, in seq order. The
// messages are shared between members: never modify one.
func (m *Member) Messages() <-chan *streamingv1.Message { return m.queue }

// Kicked is closed when the room removed the member because its queue
// stayed full for the room's patience. The member is no longer in the
// room; nothing more is queued for it.
func (m *Member) Kicked() <-chan struct{} { return m.kicked }

// Join adds a member called name and announces it to everyone, the new
// member included: its own KIND_JOIN is the first message on its queue.
func (r *Room) Join(name string) (*Member, error) {
	r.lockSpeak()
	defer r.unlockSpeak()
	r.mu.Lock()
	if _, ok := r.members[name]; ok {
		r.mu.Unlock()
		return nil, ErrNameTaken
	}
	m := &Member{name: name, queue: make(chan *streamingv1.Message, r.queueSize), kicked: make(chan struct{}), left: make(chan struct{})}
	r.members[name] = m
	r.mu.Unlock()
	r.deliver(&streamingv1.Message{Sender: name, Kind: streamingv1.Message_KIND_JOIN}, nil)
	return m, nil
}

// Say sends content from m to every other member. It returns once every
// member has the message queued, or has left, or was removed for not
// making room within the patience. A member that left or was removed says
// nothing.
func (r *Room) Say(m *Member, content string) {
	r.lockSpeak()
	defer r.unlockSpeak()
	r.deliver(&streamingv1.Message{Sender: m.name, Content: content, Kind: streamingv1.Message_KIND_CHAT}, m)
}

// Leave removes m and tells the others. Calling it again, or after a kick,
// does nothing.
func (r *Room) Leave(m *Member) {
	// First out of the room, so that a delivery waiting for m's queue
	// stops waiting; then the announcement, in turn.
	r.mu.Lock()
	if m.gone {
		r.mu.Unlock()
		return
	}
	r.remove(m)
	r.mu.Unlock()
	r.lockSpeak()
	defer r.unlockSpeak()
	r.deliver(&streamingv1.Message{Sender: m.name, Kind: streamingv1.Message_KIND_LEAVE}, nil)
}

// Members returns the names in the room, sorted. It waits for a delivery in
// progress (at most the patience), so a test that asks after a member got
// a line learns whether the room is done with that line for everyone.
func (r *Room) Members() []string {
	r.lockSpeak()
	defer r.unlockSpeak()
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.members))
	for n := range r.members {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// remove takes m out of the room; the caller holds mu.
func (r *Room) remove(m *Member) {
	m.gone = true
	delete(r.members, m.name)
	close(m.left)
}

// deliver stamps msg with the next seq and queues it for every member but
// from (which must still be in the room, when set), waiting for full
// queues; members it had to remove are announced in turn. The caller
// holds speak.
func (r *Room) deliver(msg *streamingv1.Message, from *Member) {
	for pending := []*streamingv1.Message{msg}; len(pending) > 0; pending = pending[1:] {
		msg := pending[0]
		r.mu.Lock()
		if from != nil && from.gone {
			r.mu.Unlock()
			return // it left while its line waited: it says nothing more
		}
		r.seq++
		msg.Seq = r.seq
		targets := make([]*Member, 0, len(r.members))
		for _, m := range r.members {
			if m != from {
				targets = append(targets, m)
			}
		}
		r.mu.Unlock()
		for _, m := range targets {
			if !r.put(m, msg) {
				pending = append(pending, &streamingv1.Message{Sender: m.name, Kind: streamingv1.Message_KIND_LEAVE, Content: "too slow"})
			}
		}
		from = nil // the announcements of removals go to everyone left
	}
}

// put queues msg for m, waiting up to the room's patience for room in its
// queue. It returns false when it removed m for not making room.
func (r *Room) put(m *Member, msg *streamingv1.Message) bool {
	select {
	case m.queue <- msg:
		return true
	case <-m.left:
		return true // gone: nothing to deliver to
	default:
	}
	t := time.NewTimer(r.patience)
	defer t.Stop()
	select {
	case m.queue <- msg:
		return true
	case <-m.left:
		return true
	case <-t.C:
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.gone {
		return true // it left meanwhile
	}
	r.remove(m)
	close(m.kicked)
	return false
}
