package backend

import "sync"

// Line is one stored log line.
type Line struct {
	Seq  uint64 // 1 for the first line ever appended, then +1 per line
	Text string
}

// LogStore is an append-only log that keeps its most recent lines.
// It is safe for concurrent use.
type LogStore struct {
	mu      sync.Mutex
	max     int
	lines   []Line        // the kept lines, oldest first
	next    uint64        // Seq of the next line to append
	changed chan struct{} // closed (and replaced) by every Append
}

// NewLogStore returns an empty log that keeps the last max lines
// (max <= 0 keeps 10 000).
func NewLogStore(max int) *LogStore {
	if max <= 0 {
		max = 10_000
	}
	return &LogStore{max: max, next: 1, changed: make(chan struct{})}
}

// Append adds lines at the end and wakes every reader waiting on a channel
// from [LogStore.Since]. It never blocks on readers.
func (s *LogStore) Append(texts ...string) {
	if len(texts) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range texts {
		s.lines = append(s.lines, Line{Seq: s.next, Text: t})
		s.next++
	}
	if over := len(s.lines) - s.max; over > 0 {
		// Copy rather than reslice, so the dropped lines can be collected.
		s.lines = append([]Line(nil), s.lines[over:]...)
	}
	// Closing a channel wakes every receiver at once, however many there
	// are, and costs the writer nothing per reader.
	close(s.changed)
	s.changed = make(chan struct{})
}

// Since returns the kept lines whose Seq is at least from (all of them for
// from <= 1), the Seq to ask for next time, and a channel that is closed by
// the next Append. Read, then wait on the channel, then read again: no line
// appended in between can be missed.
func (s *LogStore) Since(from uint64) (lines []Line, next uint64, changed <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := 0
	if len(s.lines) > 0 && from > s.lines[0].Seq {
		start = int(min(from-s.lines[0].Seq, uint64(len(s.lines))))
	}
	// A copy: the caller reads it without the lock while Append runs.
	lines = append([]Line(nil), s.lines[start:]...)
	return lines, s.next, s.changed
}
