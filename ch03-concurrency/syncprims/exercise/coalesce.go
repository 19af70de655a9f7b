package exercise

import (
	"context"

	"github.com/grpclabs/labs/scripts/labkit"
)

// Coalesce wraps load so that concurrent calls for the same key share one
// call to load: a thundering herd of misses becomes a single backend call.
//
// Each caller waits only as long as its own context allows: a caller whose
// context ends leaves at once with ctx.Err(), and the shared load carries on
// for the others.
func Coalesce(load LoadFunc) LoadFunc {
	// Step 2: a singleflight.Group (golang.org/x/sync/singleflight), DoChan,
	// and a select.
	return func(ctx context.Context, key string) (string, error) {
		return "", labkit.TODO("Coalesce")
	}
}
