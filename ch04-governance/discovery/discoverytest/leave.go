package discoverytest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/grpclabs/labs/ch04-governance/greeter"
	"github.com/grpclabs/labs/ch04-governance/registry"
	"github.com/grpclabs/labs/scripts/labkit"
)

// watchedReg is a registration that records, at the moment it is
// deregistered, when that happened and what the health server said.
type watchedReg struct {
	hs  *health.Server
	err error // what Deregister returns

	mu     sync.Mutex
	calls  int
	at     time.Time
	status map[string]healthpb.HealthCheckResponse_ServingStatus
	done   chan struct{}
}

func newWatchedReg(hs *health.Server, err error) *watchedReg {
	return &watchedReg{hs: hs, err: err, done: make(chan struct{})}
}

func (w *watchedReg) Deregister(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls++
	if w.calls == 1 {
		w.at = time.Now()
		w.status = map[string]healthpb.HealthCheckResponse_ServingStatus{}
		for _, svc := range []string{"", greeter.ServiceName} {
			resp, _ := w.hs.Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
			w.status[svc] = resp.GetStatus()
		}
		close(w.done)
	}
	return w.err
}

func (w *watchedReg) Done() <-chan struct{} { return w.done }

func (w *watchedReg) Err() error {
	select {
	case <-w.done:
		return registry.ErrDeregistered
	default:
		return nil
	}
}

func servingHealth() *health.Server {
	hs := health.NewServer()
	hs.SetServingStatus(greeter.ServiceName, healthpb.HealthCheckResponse_SERVING)
	return hs
}

// TestLeave: step 5, the order a backend leaves in, on a fake clock:
// NOT_SERVING, then deregister, then the drain, then return.
func TestLeave(t *testing.T, l Lab) {
	// Check for the TODO outside the bubble: a skip inside one passes.
	if err := l.Leave(t.Context(), servingHealth(), newWatchedReg(servingHealth(), nil), 0); labkit.IsTODO(err) {
		step5.Check(t, err)
	}

	t.Run("order", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			hs := servingHealth()
			reg := newWatchedReg(hs, nil)
			start := time.Now()
			step5.Require(t, l.Leave(t.Context(), hs, reg, 3*time.Second))
			if reg.calls != 1 {
				t.Fatalf("Leave deregistered %d times, want once", reg.calls)
			}
			for svc, st := range reg.status {
				if st != healthpb.HealthCheckResponse_NOT_SERVING {
					t.Errorf("at deregistration, health for %q was %v: say NOT_SERVING first, so health-checking clients move away before the instance leaves the registry", svc, st)
				}
			}
			if at := reg.at.Sub(start); at != 0 {
				t.Errorf("Leave deregistered %v after it was called; deregister right after NOT_SERVING, then drain", at)
			}
			if took := time.Since(start); took != 3*time.Second {
				t.Errorf("Leave returned after %v, want exactly the 3s drain after deregistering (the fake clock is exact)", took)
			}
		})
	})

	t.Run("second signal", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(time.Second, cancel) // Ctrl-C again, a second in
			hs := servingHealth()
			start := time.Now()
			err := l.Leave(ctx, hs, newWatchedReg(hs, nil), time.Minute)
			if took := time.Since(start); took != time.Second {
				t.Errorf("with ctx cancelled 1s into a 1m drain, Leave returned after %v; stop draining when ctx ends", took)
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Leave = %v, want an error wrapping context.Canceled", err)
			}
		})
	})

	t.Run("deregistration fails", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			hs := servingHealth()
			start := time.Now()
			err := l.Leave(t.Context(), hs, newWatchedReg(hs, errors.New("etcd unreachable")), 2*time.Second)
			if err == nil || !strings.Contains(err.Error(), "etcd unreachable") {
				t.Errorf("Leave = %v, want the deregistration's error", err)
			}
			if took := time.Since(start); took != 2*time.Second {
				t.Errorf("after a failed deregistration Leave returned after %v; still drain (2s): clients that health-check are moving away, and the lease expires by itself", took)
			}
		})
	})
}
