package exercise

import (
	"context"

	"github.com/grpclabs/labs/scripts/labkit"
)

// Run drives the wheel from the clock: every tick (time.NewTicker) it
// advances to the current time, until ctx ends. It returns ctx's error.
//
// Step 3.
func (w *Wheel) Run(ctx context.Context) error {
	return labkit.TODO("Wheel.Run")
}
