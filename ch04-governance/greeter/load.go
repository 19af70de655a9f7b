package greeter

import (
	"sync"
	"time"
)

// LoadMeter measures a backend's load over the last second, for ORCA load
// reports: how many calls it answered (qps) and how busy it was
// (utilization: time spent in calls per second of wall time, divided by
// its workers). grpc-go's weighted_round_robin weighs a backend by
// qps / utilization, which is the rate it can sustain.
type LoadMeter struct {
	Workers int // parallel capacity; 0 means 1

	mu      sync.Mutex
	buckets [10]struct {
		slot  int64 // the 100 ms slot the bucket holds
		calls int
		busy  time.Duration
	}
}

// Record adds one call that took busy and returns the load over the last
// second.
func (m *LoadMeter) Record(busy time.Duration) (utilization, qps float64) {
	slot := time.Now().UnixMilli() / 100
	m.mu.Lock()
	defer m.mu.Unlock()
	b := &m.buckets[slot%int64(len(m.buckets))]
	if b.slot != slot {
		b.slot, b.calls, b.busy = slot, 0, 0
	}
	b.calls++
	b.busy += busy
	var calls int
	var total time.Duration
	for _, b := range m.buckets {
		if slot-b.slot < int64(len(m.buckets)) {
			calls += b.calls
			total += b.busy
		}
	}
	return total.Seconds() / float64(max(m.Workers, 1)), float64(calls)
}
