package solution

import (
	"context"

	"golang.org/x/sync/singleflight"
)

// Coalesce wraps load so that concurrent calls for the same key share one
// call to load: a thundering herd of misses becomes a single backend call.
//
// Each caller waits only as long as its own context allows: a caller whose
// context ends leaves at once with ctx.Err(), and the shared load carries on
// for the others. That is why the load runs on a context detached from the
// caller that happened to start it (context.WithoutCancel keeps its values,
// such as trace ids, and drops its cancellation and deadline).
func Coalesce(load LoadFunc) LoadFunc {
	var group singleflight.Group
	return func(ctx context.Context, key string) (string, error) {
		ch := group.DoChan(key, func() (any, error) {
			return load(context.WithoutCancel(ctx), key)
		})
		select {
		case res := <-ch:
			if res.Err != nil {
				return "", res.Err
			}
			return res.Val.(string), nil
		case <-ctx.Done():
			// DoChan's channel is buffered, so leaving does not strand the
			// goroutine that delivers the result.
			return "", ctx.Err()
		}
	}
}
