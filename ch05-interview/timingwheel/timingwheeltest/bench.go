package timingwheeltest

import (
	"container/heap"
	"fmt"
	"sync"
	"testing"
	"time"
)

// BenchmarkSchedule measures the common path of an order timeout: schedule
// a cancellation 30 minutes out, then stop it (the order was paid), with
// 1,000 to 1,000,000 other orders pending. The same on a binary heap (the
// textbook delay queue) and on time.AfterFunc (Go's runtime keeps a 4-ary
// heap of timers per P).
func BenchmarkSchedule[T Timer, W Wheel[T]](b *testing.B, l Lab[T, W]) {
	for _, pending := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("pending=%d/impl=wheel", pending), func(b *testing.B) {
			w, err := l.New(time.Second, 60, start)
			if err != nil {
				b.Fatal(err)
			}
			for i := range pending {
				w.Add(time.Duration(i%3600)*time.Second+time.Minute, func() {})
			}
			b.ReportAllocs()
			for b.Loop() {
				w.Add(30*time.Minute, func() {}).Stop()
			}
		})
		b.Run(fmt.Sprintf("pending=%d/impl=heap", pending), func(b *testing.B) {
			q := &delayQueue{}
			for i := range pending {
				q.add(start.Add(time.Duration(i%3600)*time.Second+time.Minute), func() {})
			}
			b.ReportAllocs()
			for b.Loop() {
				q.add(start.Add(30*time.Minute), func() {}).stop()
			}
		})
		b.Run(fmt.Sprintf("pending=%d/impl=AfterFunc", pending), func(b *testing.B) {
			ts := make([]*time.Timer, 0, pending)
			for i := range pending {
				ts = append(ts, time.AfterFunc(time.Duration(i%3600)*time.Second+time.Hour, func() {}))
			}
			defer func() {
				for _, t := range ts {
					t.Stop()
				}
			}()
			b.ReportAllocs()
			for b.Loop() {
				time.AfterFunc(30*time.Minute, func() {}).Stop()
			}
		})
	}
}

// delayQueue is a heap of timers ordered by due time, behind a mutex.
type delayQueue struct {
	mu sync.Mutex
	h  timerHeap
}

type heapTimer struct {
	due   time.Time
	f     func()
	index int
	q     *delayQueue
}

func (q *delayQueue) add(due time.Time, f func()) *heapTimer {
	q.mu.Lock()
	defer q.mu.Unlock()
	t := &heapTimer{due: due, f: f, q: q}
	heap.Push(&q.h, t)
	return t
}

func (t *heapTimer) stop() bool {
	t.q.mu.Lock()
	defer t.q.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.q.h, t.index)
	return true
}

type timerHeap []*heapTimer

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *timerHeap) Push(x any)        { t := x.(*heapTimer); t.index = len(*h); *h = append(*h, t) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	t.index = -1
	*h = old[:len(old)-1]
	return t
}
