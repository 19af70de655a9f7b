package solution

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// A Snowflake id is 64 bits: a zero sign bit, 41 bits of milliseconds
// since Epoch (about 69 years), 10 bits of worker id (1,024 generators)
// and 12 bits of sequence (4,096 ids per millisecond per worker). Ids
// from one worker grow with time; ids from all workers sort roughly by
// time.
const (
	timeBits   = 41
	workerBits = 10
	seqBits    = 12
	maxWorker  = 1<<workerBits - 1
	maxSeq     = 1<<seqBits - 1
)

// Epoch is millisecond 0 of the ids.
var Epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// MaxBackwards is how far the clock may step back (an NTP correction)
// before NextID gives up instead of waiting for it to catch up.
const MaxBackwards = 5 * time.Millisecond

// ErrClockBackwards is NextID's error when the clock is further behind the
// last id than MaxBackwards: waiting would stall every caller, and
// issuing an id could repeat one already issued.
var ErrClockBackwards = errors.New("snowflake: clock moved backwards")

// Clock is the generator's time source, injected so tests control it.
type Clock interface {
	Now() time.Time
	Sleep(d time.Duration)
}

// Snowflake issues ids for one worker. It is safe for concurrent use.
type Snowflake struct {
	mu     sync.Mutex
	clock  Clock
	worker int64
	last   int64 // the millisecond of the last id
	seq    int64 // the last id's sequence number
}

// NewSnowflake returns a generator for worker (0 to 1023).
func NewSnowflake(worker int64, clock Clock) (*Snowflake, error) {
	if worker < 0 || worker > maxWorker {
		return nil, fmt.Errorf("snowflake: worker %d is outside 0..%d", worker, maxWorker)
	}
	return &Snowflake{clock: clock, worker: worker, last: -1}, nil
}

func (s *Snowflake) millis() int64 { return s.clock.Now().Sub(Epoch).Milliseconds() }

// NextID returns a new id, larger than every id this generator issued.
func (s *Snowflake) NextID() (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.millis()
	if now < s.last {
		var err error
		if now, err = s.backwards(now); err != nil {
			return 0, err
		}
	}
	if now < 0 || now >= 1<<timeBits {
		return 0, fmt.Errorf("snowflake: the time %v is outside the ids' 69 years from %v", s.clock.Now(), Epoch)
	}
	if now == s.last {
		s.seq++
		if s.seq > maxSeq {
			// 4,096 ids in this millisecond: wait for the next one.
			for now <= s.last {
				s.clock.Sleep(Epoch.Add(time.Duration(s.last+1) * time.Millisecond).Sub(s.clock.Now()))
				now = s.millis()
			}
			s.seq = 0
		}
	} else {
		s.seq = 0
	}
	s.last = now
	return now<<(workerBits+seqBits) | s.worker<<seqBits | s.seq, nil
}

// backwards handles a clock that reads now, before the last id's
// millisecond: it returns the time to go on with, or an error.
func (s *Snowflake) backwards(now int64) (int64, error) {
	behind := time.Duration(s.last-now) * time.Millisecond
	if behind > MaxBackwards {
		return 0, fmt.Errorf("%w by %v (the last id is from %v)", ErrClockBackwards, behind, Epoch.Add(time.Duration(s.last)*time.Millisecond))
	}
	s.clock.Sleep(behind) // a small step back: wait until the last id's millisecond
	now = s.millis()
	if now < s.last {
		return 0, fmt.Errorf("%w: still %v behind after waiting", ErrClockBackwards, time.Duration(s.last-now)*time.Millisecond)
	}
	return now, nil
}

// Decompose splits an id into its time, worker and sequence.
func Decompose(id int64) (at time.Time, worker, seq int64) {
	ms := id >> (workerBits + seqBits)
	return Epoch.Add(time.Duration(ms) * time.Millisecond), id >> seqBits & maxWorker, id & maxSeq
}
