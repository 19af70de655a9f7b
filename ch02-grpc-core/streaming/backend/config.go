package backend

import "sync"

// Entry is one key's value at one version. Version 0 means the key was
// never set.
type Entry struct {
	Key     string
	Value   string
	Version uint64
}

// ConfigStore is a key-value store whose writes are pushed to subscribers.
// It is safe for concurrent use.
type ConfigStore struct {
	mu      sync.Mutex
	entries map[string]Entry
	version uint64 // the last version handed out, store-wide
	subs    map[string]map[*Subscription]struct{}
}

// NewConfigStore returns an empty store.
func NewConfigStore() *ConfigStore {
	return &ConfigStore{entries: map[string]Entry{}, subs: map[string]map[*Subscription]struct{}{}}
}

// Get returns the entry for key and whether it was ever set.
func (s *ConfigStore) Get(key string) (Entry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	return e, ok
}

// Set stores value under key with the next version, and tells the key's
// subscribers. It never waits for them.
func (s *ConfigStore) Set(key, value string) Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version++
	e := Entry{Key: key, Value: value, Version: s.version}
	s.entries[key] = e
	for sub := range s.subs[key] {
		sub.offer(e)
	}
	return e
}

// Subscribe starts watching key. [Subscription.Latest] is the current entry
// right away (Version 0 if the key was never set). Close the subscription
// when done, or the store keeps it forever.
func (s *ConfigStore) Subscribe(key string) *Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	if !ok {
		e = Entry{Key: key}
	}
	sub := &Subscription{store: s, key: key, latest: e, changed: make(chan struct{}, 1)}
	if s.subs[key] == nil {
		s.subs[key] = map[*Subscription]struct{}{}
	}
	s.subs[key][sub] = struct{}{}
	return sub
}

// Subscribers returns how many open subscriptions watch key. Tests use it
// to know that a watcher is in place, or gone.
func (s *ConfigStore) Subscribers(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs[key])
}

// Subscription is one watcher's mailbox: it holds only the latest entry,
// so a writer never waits and a slow watcher only skips versions.
type Subscription struct {
	store   *ConfigStore
	key     string
	changed chan struct{} // capacity 1: "something new", coalesced

	mu     sync.Mutex
	latest Entry
}

// offer replaces the mailbox content and signals, without blocking: if a
// signal is already pending, the reader will see this entry with it.
func (sub *Subscription) offer(e Entry) {
	sub.mu.Lock()
	sub.latest = e
	sub.mu.Unlock()
	select {
	case sub.changed <- struct{}{}:
	default:
	}
}

// Changed receives a value after one or more Sets since the last receive.
func (sub *Subscription) Changed() <-chan struct{} { return sub.changed }

// Latest returns the newest entry seen for the key.
func (sub *Subscription) Latest() Entry {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.latest
}

// Close ends the subscription. It is safe to call more than once.
func (sub *Subscription) Close() {
	s := sub.store
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.subs[sub.key], sub)
	if len(s.subs[sub.key]) == 0 {
		delete(s.subs, sub.key)
	}
}
