package exercise

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/grpclabs/labs/scripts/labkit"
)

// A Snowflake id is 64 bits: a zero sign bit, 41 bits of milliseconds
// since Epoch, 10 bits of worker id and 12 bits of sequence.
const (
	timeBits   = 41
	workerBits = 10
	seqBits    = 12
	maxWorker  = 1<<workerBits - 1
	maxSeq     = 1<<seqBits - 1
)

// Epoch is millisecond 0 of the ids.
var Epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// MaxBackwards is how far the clock may step back before NextID gives up
// instead of waiting for it to catch up.
const MaxBackwards = 5 * time.Millisecond

// ErrClockBackwards is NextID's error when the clock is further behind
// the last id than MaxBackwards.
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
	last   int64 // the millisecond of the last id, -1 before the first
	seq    int64 // the last id's sequence number
}

// NewSnowflake returns a generator for worker (0 to 1023).
func NewSnowflake(worker int64, clock Clock) (*Snowflake, error) {
	if worker < 0 || worker > maxWorker {
		return nil, fmt.Errorf("snowflake: worker %d is outside 0..%d", worker, maxWorker)
	}
	return &Snowflake{clock: clock, worker: worker, last: -1}, nil
}

// millis is the clock's time in milliseconds since Epoch.
func (s *Snowflake) millis() int64 { return s.clock.Now().Sub(Epoch).Milliseconds() }

// NextID returns a new id, larger than every id this generator issued:
// in the same millisecond as the last id, the next sequence number; after
// 4,096 of them, sleep (s.clock.Sleep) until the next millisecond and
// start again at 0; in a later millisecond, sequence 0. Times before
// Epoch or past its 41 bits are an error.
//
// Step 3 (the clock going backwards is step 4's backwards).
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
	return 0, labkit.TODO("Snowflake.NextID")
}

// backwards handles a clock that reads now, before the last id's
// millisecond (s.mu is held): within MaxBackwards, sleep until s.last and
// go on with the time then; beyond it, return an error wrapping
// ErrClockBackwards, without sleeping.
//
// Step 4.
func (s *Snowflake) backwards(now int64) (int64, error) {
	return 0, labkit.TODO("Snowflake.backwards")
}

// Decompose splits an id into its time, worker and sequence.
//
// Step 3.
func Decompose(id int64) (at time.Time, worker, seq int64) {
	return time.Time{}, 0, 0
}
