// Package counted holds the two data structures the lru drill's caches
// are built from, a hash map and a doubly linked list, each counting the
// steps it takes: one per map operation, one per list operation or link
// followed. A cache whose every operation takes a bounded number of steps,
// whatever its size, is O(1); a test reads the count to check it.
package counted

import "sync/atomic"

// Counter counts steps. A nil *Counter counts nothing, for benchmarks.
type Counter struct{ n atomic.Int64 }

// Steps is the number of steps counted so far.
func (c *Counter) Steps() int64 {
	if c == nil {
		return 0
	}
	return c.n.Load()
}

func (c *Counter) step() {
	if c != nil {
		c.n.Add(1)
	}
}

// Map is a map that counts its operations.
type Map[K comparable, V any] struct {
	m map[K]V
	c *Counter
}

// NewMap returns an empty map counting on c.
func NewMap[K comparable, V any](c *Counter) *Map[K, V] {
	return &Map[K, V]{m: map[K]V{}, c: c}
}

func (m *Map[K, V]) Get(k K) (V, bool) { m.c.step(); v, ok := m.m[k]; return v, ok }
func (m *Map[K, V]) Set(k K, v V)      { m.c.step(); m.m[k] = v }
func (m *Map[K, V]) Delete(k K)        { m.c.step(); delete(m.m, k) }
func (m *Map[K, V]) Len() int          { return len(m.m) }

// List is a doubly linked list that counts its operations, like
// container/list but typed.
type List[T any] struct {
	root Element[T] // sentinel: root.next is the front, root.prev the back
	len  int
	c    *Counter
}

// Element is one element of a List.
type Element[T any] struct {
	next, prev *Element[T]
	list       *List[T]
	Value      T
}

// NewList returns an empty list counting on c.
func NewList[T any](c *Counter) *List[T] {
	l := &List[T]{c: c}
	l.root.next, l.root.prev = &l.root, &l.root
	return l
}

// Len is the number of elements (free: it is a field).
func (l *List[T]) Len() int { return l.len }

// Front is the first element, or nil.
func (l *List[T]) Front() *Element[T] { l.c.step(); return l.get(l.root.next) }

// Back is the last element, or nil.
func (l *List[T]) Back() *Element[T] { l.c.step(); return l.get(l.root.prev) }

// Next is the element after e, or nil.
func (e *Element[T]) Next() *Element[T] { e.list.c.step(); return e.list.get(e.next) }

// Prev is the element before e, or nil.
func (e *Element[T]) Prev() *Element[T] { e.list.c.step(); return e.list.get(e.prev) }

func (l *List[T]) get(e *Element[T]) *Element[T] {
	if e == &l.root {
		return nil
	}
	return e
}

// PushFront inserts v at the front and returns its element.
func (l *List[T]) PushFront(v T) *Element[T] {
	l.c.step()
	return l.insert(&Element[T]{Value: v}, &l.root)
}

// PushBack inserts v at the back and returns its element.
func (l *List[T]) PushBack(v T) *Element[T] {
	l.c.step()
	return l.insert(&Element[T]{Value: v}, l.root.prev)
}

// MoveToFront moves e, an element of l, to the front.
func (l *List[T]) MoveToFront(e *Element[T]) {
	l.c.step()
	if e.list != l || l.root.next == e {
		return
	}
	l.unlink(e)
	l.insert(e, &l.root)
}

// MoveToBack moves e, an element of l, to the back.
func (l *List[T]) MoveToBack(e *Element[T]) {
	l.c.step()
	if e.list != l || l.root.prev == e {
		return
	}
	l.unlink(e)
	l.insert(e, l.root.prev)
}

// Remove removes e from l if it is an element of l.
func (l *List[T]) Remove(e *Element[T]) {
	l.c.step()
	if e.list == l {
		l.unlink(e)
		e.next, e.prev, e.list = nil, nil, nil
	}
}

// insert puts e after at.
func (l *List[T]) insert(e, at *Element[T]) *Element[T] {
	e.prev, e.next = at, at.next
	e.prev.next, e.next.prev = e, e
	e.list = l
	l.len++
	return e
}

func (l *List[T]) unlink(e *Element[T]) {
	e.prev.next, e.next.prev = e.next, e.prev
	l.len--
}
