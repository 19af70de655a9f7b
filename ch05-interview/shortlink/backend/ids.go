package backend

import (
	"fmt"
	"sync"
	"time"
)

// Epoch is where Snowflake time starts: 41 bits of milliseconds after it
// last until 2093.
var Epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	nodeBits = 10
	seqBits  = 12
	maxNode  = 1<<nodeBits - 1
	maxSeq   = 1<<seqBits - 1
)

// IDs hands out Snowflake ids: 41 bits of milliseconds since [Epoch], 10
// bits of node (so 1024 processes never collide), 12 bits of sequence
// within a millisecond. They are unique, roughly time-ordered and 63 bits
// long: their Base62 codes are 10 characters in the 2020s, 11 at most.
//
// This is the given id source; the sharding drill builds one by hand,
// with its failure modes. Here a clock that goes backwards or a sequence
// that overflows borrows the next millisecond instead of waiting or
// failing: ids stay unique, and stay close to the wall clock as long as
// the borrowing is short.
type IDs struct {
	mu   sync.Mutex
	now  func() time.Time
	node uint64
	last int64 // milliseconds after Epoch of the last id
	seq  uint64
}

// NewIDs returns an id source for node (0 to 1023) reading the clock now
// (nil: time.Now).
func NewIDs(node int, now func() time.Time) (*IDs, error) {
	if node < 0 || node > maxNode {
		return nil, fmt.Errorf("snowflake node %d is not in 0..%d", node, maxNode)
	}
	if now == nil {
		now = time.Now
	}
	return &IDs{now: now, node: uint64(node)}, nil
}

// Next returns a new id.
func (g *IDs) Next() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := g.now().Sub(Epoch).Milliseconds()
	switch {
	case ms > g.last:
		g.last, g.seq = ms, 0
	case g.seq < maxSeq:
		g.seq++ // same millisecond, or the clock went back: keep counting
	default:
		g.last, g.seq = g.last+1, 0 // this millisecond is full: borrow the next
	}
	return uint64(g.last)<<(nodeBits+seqBits) | g.node<<seqBits | g.seq
}
