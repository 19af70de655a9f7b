package solution

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc/health"

	"github.com/grpclabs/labs/ch04-governance/registry"
)

// Leave takes a backend out of service in the order that loses no call:
//
//  1. health NOT_SERVING: clients that health-check (healthCheckConfig)
//     stop picking this backend within one health-stream message;
//  2. deregister: resolvers drop it, so clients that do not health-check
//     and new clients stop choosing it too;
//  3. drain: wait for both to reach every client before the server stops
//     accepting, since a watch event and a health message take time.
//
// Then the caller stops the server with GracefulStop and a grace limit
// (demo.Serve does), which lets the calls already running finish. Leave
// returns early with ctx's error when ctx ends during the drain (a second
// Ctrl-C); a failed deregistration is returned after the drain, which
// still happens: the lease expires by itself.
func Leave(ctx context.Context, hs *health.Server, reg registry.Registration, drain time.Duration) error {
	hs.Shutdown()
	var err error
	if derr := reg.Deregister(ctx); derr != nil {
		err = fmt.Errorf("leave: %w", derr)
	}
	t := time.NewTimer(drain)
	defer t.Stop()
	select {
	case <-t.C:
		return err
	case <-ctx.Done():
		return fmt.Errorf("leave: drain cut short: %w", context.Cause(ctx))
	}
}
