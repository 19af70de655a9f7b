package exercise

import (
	"context"
	"time"

	"google.golang.org/grpc/health"

	"github.com/grpclabs/labs/ch04-governance/registry"
	"github.com/grpclabs/labs/scripts/labkit"
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
	// Step 5: hs.Shutdown, then reg.Deregister, then wait drain (or until
	// ctx ends). Return the deregistration's error after the drain.
	return labkit.TODO("Leave")
}
