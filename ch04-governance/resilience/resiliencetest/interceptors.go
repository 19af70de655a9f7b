package resiliencetest

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	ordersv1 "github.com/grpclabs/labs/ch04-governance/gen/orders/v1"
	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	"github.com/grpclabs/labs/scripts/labkit"
)

const (
	reserveMethod = "/orders.v1.InventoryService/Reserve"
	watchMethod   = "/orders.v1.InventoryService/WatchStock"
)

// probeBreakers stops the test with step 3's TODO while the interceptors
// are not written.
func probeBreakers(t *testing.T, l Lab) {
	t.Helper()
	bs, err := l.NewBreakers(policy.InterceptorConfig{})
	step3.Require(t, err)
	cc, err := grpc.NewClient("passthrough:///probe", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ok := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	step3.Require(t, bs.Unary()(t.Context(), reserveMethod, nil, nil, cc, ok))
	_, err = bs.Stream()(t.Context(), &grpc.StreamDesc{ServerStreams: true}, cc, watchMethod,
		func(context.Context, *grpc.StreamDesc, *grpc.ClientConn, string, ...grpc.CallOption) (grpc.ClientStream, error) {
			return nil, status.Error(codes.Internal, "probe")
		})
	step3.Check(t, err)
}

// stateLog collects OnStateChange calls from any goroutine.
type stateLog struct {
	mu  sync.Mutex
	got []string
}

func (s *stateLog) record(name string, from, to policy.State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, name+": "+from.String()+">"+to.String())
}

func (s *stateLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.got, "; ")
}

func reserve(ctx context.Context, c ordersv1.InventoryServiceClient) error {
	_, err := c.Reserve(ctx, &ordersv1.ReserveRequest{Item: "apple", Quantity: 1})
	return err
}

// watch runs WatchStock to its end and returns how it ended.
func watch(ctx context.Context, c ordersv1.InventoryServiceClient) error {
	st, err := c.WatchStock(ctx, &ordersv1.WatchStockRequest{Item: "apple", Count: 2})
	if err != nil {
		return err
	}
	for {
		if _, err := st.Recv(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

func withBreakers(t *testing.T, l Lab, cfg policy.InterceptorConfig) labkit.Options {
	t.Helper()
	bs, err := l.NewBreakers(cfg)
	step3.Require(t, err)
	return labkit.Options{Client: []grpc.DialOption{grpc.WithUnaryInterceptor(bs.Unary()), grpc.WithStreamInterceptor(bs.Stream())}}
}

func wantFastFail(t *testing.T, err error, name string) {
	t.Helper()
	if status.Code(err) != codes.Unavailable || !strings.Contains(status.Convert(err).Message(), name) {
		t.Fatalf("a call through an open breaker returned %v; want Unavailable with a message naming the breaker %q", err, name)
	}
}

// TestBreakerInterceptors: step 3, one breaker per target and method, as
// client interceptors.
func TestBreakerInterceptors(t *testing.T, l Lab) {
	probeBreakers(t, l)

	t.Run("unary", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			var log stateLog
			inv, client, s := serveInventory(t, labkit.Bufconn, withBreakers(t, l, policy.InterceptorConfig{Breaker: policy.BreakerConfig{OnStateChange: log.record}}))
			name := policy.BreakerName(s.Conn.Target(), reserveMethod)
			inv.fail(codes.Unavailable)
			for range 10 {
				if err := reserve(t.Context(), client); status.Code(err) != codes.Unavailable {
					t.Fatalf("Reserve = %v, want the backend's Unavailable", err)
				}
			}
			if inv.reserves.Load() != 10 {
				t.Fatalf("the backend saw %d calls, want 10", inv.reserves.Load())
			}
			start := time.Now()
			for range 5 {
				wantFastFail(t, reserve(t.Context(), client), name)
			}
			if n := inv.reserves.Load(); n != 10 {
				t.Errorf("the backend saw %d calls after the breaker opened; an open breaker must not touch the network", n-10)
			}
			if time.Since(start) != 0 {
				t.Errorf("failing fast took %v; it must not wait", time.Since(start))
			}
			if got, want := log.String(), name+": closed>open"; got != want {
				t.Errorf("OnStateChange saw %q, want %q (the breaker's name is target+method)", got, want)
			}
			if err := watch(t.Context(), client); err != nil {
				t.Errorf("WatchStock through its own breaker = %v; another method's breaker must not affect it", err)
			}
			inv.heal()
			time.Sleep(time.Second)
			for range 3 {
				if err := reserve(t.Context(), client); err != nil {
					t.Fatalf("a half-open trial call = %v; the backend is healthy again", err)
				}
			}
			if err := reserve(t.Context(), client); err != nil {
				t.Errorf("after 3 good trials: %v; the breaker must be closed", err)
			}
		})
	})

	t.Run("which_codes_count", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			for _, c := range []codes.Code{codes.InvalidArgument, codes.NotFound, codes.FailedPrecondition, codes.PermissionDenied, codes.ResourceExhausted} {
				inv, client, _ := serveInventory(t, labkit.Bufconn, withBreakers(t, l, policy.InterceptorConfig{}))
				inv.fail(c)
				for range 20 {
					reserve(t.Context(), client)
				}
				if n := inv.reserves.Load(); n != 20 {
					t.Errorf("with the backend answering %v, only %d of 20 calls reached it; %v is an answer from a healthy backend, not a failure", c, n, c)
				}
			}
			for _, c := range policy.DefaultFailureCodes {
				inv, client, _ := serveInventory(t, labkit.Bufconn, withBreakers(t, l, policy.InterceptorConfig{}))
				inv.fail(c)
				for range 20 {
					reserve(t.Context(), client)
				}
				if n := inv.reserves.Load(); n != 10 {
					t.Errorf("with the backend answering %v, %d of 20 calls reached it; want 10 (then the breaker opens)", c, n)
				}
			}
			// A custom list replaces the default.
			inv, client, _ := serveInventory(t, labkit.Bufconn, withBreakers(t, l, policy.InterceptorConfig{FailureCodes: []codes.Code{codes.ResourceExhausted}}))
			inv.fail(codes.Unavailable)
			for range 20 {
				reserve(t.Context(), client)
			}
			inv.fail(codes.ResourceExhausted)
			for range 20 {
				reserve(t.Context(), client)
			}
			if n := inv.reserves.Load(); n != 25 {
				t.Errorf("FailureCodes = [ResourceExhausted]: %d calls reached the backend, want 25 (20 Unavailable count as answers now; then 5 ResourceExhausted make half the window)", n)
			}
		})
	})

	t.Run("slow_backend_and_impatient_callers", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			inv, client, _ := serveInventory(t, labkit.Bufconn, withBreakers(t, l, policy.InterceptorConfig{}))
			inv.set(func(ctx context.Context) error {
				select {
				case <-time.After(time.Hour):
				case <-ctx.Done():
				}
				return ctx.Err()
			})
			// Callers that cancel: nothing is learnt about the backend.
			for range 20 {
				ctx, cancel := context.WithCancel(t.Context())
				time.AfterFunc(10*time.Millisecond, cancel)
				if err := reserve(ctx, client); status.Code(err) != codes.Canceled {
					t.Fatalf("a cancelled call returned %v, want Canceled", err)
				}
			}
			if n := inv.reserves.Load(); n != 20 {
				t.Fatalf("%d of 20 cancelled calls reached the backend; a caller's cancellation must not count as the backend's failure", n)
			}
			// Callers whose deadline passes: the backend is too slow.
			for range 10 {
				ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
				if err := reserve(ctx, client); status.Code(err) != codes.DeadlineExceeded {
					t.Fatalf("a call past its deadline returned %v, want DeadlineExceeded", err)
				}
				cancel()
			}
			if err := reserve(t.Context(), client); status.Code(err) != codes.Unavailable {
				t.Errorf("after 10 calls timed out, the next = %v; DeadlineExceeded counts as a failure, so the breaker must be open", err)
			}
		})
	})

	t.Run("stream", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			inv, client, s := serveInventory(t, labkit.Bufconn, withBreakers(t, l, policy.InterceptorConfig{}))
			name := policy.BreakerName(s.Conn.Target(), watchMethod)
			if err := watch(t.Context(), client); err != nil {
				t.Fatalf("WatchStock = %v", err)
			}
			inv.mu.Lock()
			inv.streamErr = status.Error(codes.Internal, "disk gone")
			inv.mu.Unlock()
			for range 9 { // the window: 1 success, 9 failures
				if err := watch(t.Context(), client); status.Code(err) != codes.Internal {
					t.Fatalf("WatchStock = %v, want the Internal that ended the stream", err)
				}
			}
			_, err := client.WatchStock(t.Context(), &ordersv1.WatchStockRequest{Item: "apple", Count: 2})
			wantFastFail(t, err, name)
			if n := inv.watches.Load(); n != 10 {
				t.Errorf("the backend saw %d streams, want 10: the stream's outcome is how it ends (RecvMsg's error), and an open breaker refuses new streams", n)
			}
			if err := reserve(t.Context(), client); err != nil {
				t.Errorf("Reserve = %v; the WatchStock breaker must not affect it", err)
			}

			// Half-open: streams the caller abandons must give their trial slot back.
			inv.mu.Lock()
			inv.streamErr = nil
			inv.mu.Unlock()
			time.Sleep(time.Second)
			for range 3 {
				ctx, cancel := context.WithCancel(t.Context())
				if _, err := client.WatchStock(ctx, &ordersv1.WatchStockRequest{Item: "apple", Count: 2}); err != nil {
					t.Fatalf("a half-open trial stream was refused: %v", err)
				}
				cancel() // never read: the caller walked away
			}
			synctest.Wait()
			if err := watch(t.Context(), client); err != nil {
				t.Errorf("after 3 trial streams were abandoned, a new stream = %v; an abandoned stream must not hold its trial slot (report it as Ignored when its context ends)", err)
			}
		})
	})

	t.Run("per_target", func(t *testing.T) {
		// Two backends over real TCP, so their targets differ. No clock involved.
		bs, err := l.NewBreakers(policy.InterceptorConfig{})
		step3.Require(t, err)
		o := labkit.Options{Client: []grpc.DialOption{grpc.WithUnaryInterceptor(bs.Unary())}}
		bad, badClient, _ := serveInventory(t, labkit.Loopback, o)
		good, goodClient, _ := serveInventory(t, labkit.Loopback, o)
		bad.fail(codes.Unavailable)
		for range 15 {
			reserve(t.Context(), badClient)
		}
		for range 15 {
			if err := reserve(t.Context(), goodClient); err != nil {
				t.Fatalf("the healthy backend's call = %v; one backend's breaker must not open another's", err)
			}
		}
		if bad.reserves.Load() != 10 || good.reserves.Load() != 15 {
			t.Errorf("calls seen: failing backend %d (want 10), healthy backend %d (want 15)", bad.reserves.Load(), good.reserves.Load())
		}
	})
}
