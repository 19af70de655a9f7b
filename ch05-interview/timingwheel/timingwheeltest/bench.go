package timingwheeltest

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// BenchmarkSchedule measures the steady state of an order book: with
// 1,000 to 1,000,000 orders pending, each operation places an order (a
// cancellation 30 minutes out, give or take a minute) and the oldest
// pending one is paid (its cancellation stopped). The same on a binary
// heap (the textbook delay queue, container/heap behind a mutex) and on
// time.AfterFunc (the runtime's timers: a 4-ary heap per P).
func BenchmarkSchedule[T Timer, W Wheel[T]](b *testing.B, l Lab[T, W]) {
	jitter := make([]time.Duration, 1<<16)
	r := rand.New(rand.NewPCG(3, 3))
	for i := range jitter {
		jitter[i] = time.Duration(r.Int64N(int64(time.Minute)))
	}
	due := func(i int) time.Duration { return 30*time.Minute + jitter[i%len(jitter)] }
	nop := func() {}
	for _, pending := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("pending=%d/impl=wheel", pending), func(b *testing.B) {
			w, err := l.New(time.Second, 60, start)
			if err != nil {
				b.Fatal(err)
			}
			ring := make([]T, pending)
			for i := range ring {
				ring[i] = w.Add(due(i), nop)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				ring[i%pending].Stop()
				ring[i%pending] = w.Add(due(i), nop)
			}
		})
		b.Run(fmt.Sprintf("pending=%d/impl=heap", pending), func(b *testing.B) {
			q := &delayQueue{}
			ring := make([]*heapTimer, pending)
			for i := range ring {
				ring[i] = q.add(start.Add(due(i)), nop)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				ring[i%pending].stop()
				ring[i%pending] = q.add(start.Add(due(i)), nop)
			}
		})
		b.Run(fmt.Sprintf("pending=%d/impl=AfterFunc", pending), func(b *testing.B) {
			ring := make([]*time.Timer, pending)
			for i := range ring {
				ring[i] = time.AfterFunc(due(i), nop)
			}
			defer func() {
				for _, t := range ring {
					t.Stop()
				}
			}()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				ring[i%pending].Stop()
				ring[i%pending] = time.AfterFunc(due(i), nop)
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
