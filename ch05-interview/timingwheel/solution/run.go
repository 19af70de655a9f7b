package solution

import (
	"context"
	"time"
)

// Run drives the wheel from the clock: every tick it advances to the
// current time, until ctx ends. It returns ctx's error.
func (w *Wheel) Run(ctx context.Context) error {
	t := time.NewTicker(w.tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-t.C:
			w.Advance(now)
		}
	}
}
