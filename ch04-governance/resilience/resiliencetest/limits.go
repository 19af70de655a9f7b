package resiliencetest

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/richerr"
	ch02 "github.com/grpclabs/labs/ch02-grpc-core/errors/solution"
	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	"github.com/grpclabs/labs/scripts/labkit"
)

// TestKeyedLimiter: step 6, one bucket per client, bounded memory.
func TestKeyedLimiter(t *testing.T, l Lab) {
	for _, bad := range [][3]float64{{0, 1, 10}, {1, 0, 10}, {1, 1, 0}} {
		if _, err := l.NewKeyedLimiter(bad[0], int(bad[1]), int(bad[2])); step6.Check(t, err) == nil {
			t.Errorf("NewKeyedLimiter(%v, %v, %v) succeeded; want an error", bad[0], bad[1], bad[2])
		}
	}
	_, err := l.NewKeyedLimiter(1, 1, 1)
	step6.Require(t, err)

	t.Run("per_client_with_retry_after", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			k, _ := l.NewKeyedLimiter(10, 2, 100)
			for i := range 2 {
				if ok, _ := k.Allow("alice"); !ok {
					t.Fatalf("alice's call %d refused; her bucket holds 2", i+1)
				}
			}
			ok, after := k.Allow("alice")
			if ok || after != 100*time.Millisecond {
				t.Fatalf("alice's 3rd call = %v, retry after %v; want refused, 100ms (one token at 10/s)", ok, after)
			}
			if ok, _ := k.Allow("bob"); !ok {
				t.Fatal("bob was refused because alice used her tokens; each client has its own bucket")
			}
			time.Sleep(after - time.Millisecond)
			ok, after = k.Allow("alice")
			if ok || after <= 0 || after > 2*time.Millisecond || after%time.Millisecond != 0 {
				t.Fatalf("99ms later: alice = %v, retry after %v; want refused, and about 1ms in whole milliseconds (float rounding may make it 2ms, never less)", ok, after)
			}
			time.Sleep(after)
			if ok, _ := k.Allow("alice"); !ok {
				t.Fatal("alice waited exactly the retry-after she was given and was refused again")
			}

			k, _ = l.NewKeyedLimiter(3, 1, 100) // a token every 333.33ms
			k.Allow("carol")
			ok, after = k.Allow("carol")
			if ok || after != 334*time.Millisecond {
				t.Fatalf("at 3/s, the retry-after = %v, %v; want 334ms: round up to whole milliseconds so waiting that long is enough", ok, after)
			}
			time.Sleep(333 * time.Millisecond)
			if ok, _ := k.Allow("carol"); ok {
				t.Fatal("allowed after 333ms at 3/s; the token is due at 333.33ms")
			}
			time.Sleep(time.Millisecond)
			if ok, _ := k.Allow("carol"); !ok {
				t.Fatal("refused after the retry-after")
			}
		})
	})

	t.Run("bounded_memory", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			k, _ := l.NewKeyedLimiter(1, 1, 100)
			k.Allow("drained")
			for i := range 99 {
				k.Allow(fmt.Sprint("other-", i))
			}
			if ok, _ := k.Allow("drained"); ok {
				t.Fatal("a drained client got a fresh bucket while the table still had room for it")
			}
			k.Allow("newcomer") // the table is full: the least recently seen (other-0) goes, not drained
			if ok, _ := k.Allow("drained"); ok {
				t.Fatal("a drained client seen just now lost its bucket when a newcomer arrived; evict the least recently seen client (move a client to the front on every call)")
			}
			for i := range 3000 {
				k.Allow(fmt.Sprint("flood-", i))
				if n := k.Len(); n > 100 {
					t.Fatalf("after %d new keys the limiter holds %d buckets; at most maxKeys (100)", i+1, n)
				}
			}
			if k.Len() != 100 {
				t.Errorf("Len() = %d, want 100", k.Len())
			}
			k.Allow("recent")
			for i := range 99 {
				k.Allow(fmt.Sprint("flood2-", i))
			}
			if ok, _ := k.Allow("recent"); ok {
				t.Error("a client seen 99 keys ago lost its bucket; evict the least recently seen client, not the newest")
			}
			if ok, _ := k.Allow("drained"); !ok {
				t.Error("a client evicted long ago is still refused; a dropped client starts again with a full bucket")
			}
		})
	})

	t.Run("client_key", func(t *testing.T) {
		withPeer := func(addr net.Addr) context.Context {
			return peer.NewContext(t.Context(), &peer.Peer{Addr: addr})
		}
		tcp := &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 5555}
		for _, tc := range []struct {
			ctx  context.Context
			want string
		}{
			{metadata.NewIncomingContext(withPeer(tcp), metadata.Pairs(policy.APIKeyHeader, "k-123")), "key:k-123"},
			{withPeer(tcp), "peer:10.1.2.3"},
			{withPeer(&net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 6000}), "peer:10.1.2.3"},
			{withPeer(&net.TCPAddr{IP: net.ParseIP("::1"), Port: 80}), "peer:::1"},
			{metadata.NewIncomingContext(withPeer(tcp), metadata.Pairs(policy.APIKeyHeader, "")), "peer:10.1.2.3"},
			{t.Context(), "peer:unknown"},
		} {
			got := l.ClientKey(tc.ctx)
			if strings.HasPrefix(got, "TODO: implement") {
				step6.Check(t, labkit.TODO("ClientKey"))
			}
			if got != tc.want {
				p, _ := peer.FromContext(tc.ctx)
				md, _ := metadata.FromIncomingContext(tc.ctx)
				t.Errorf("ClientKey(peer %v, metadata %v) = %q, want %q (the API key if sent, else the peer's IP without the port)", p, md, got, tc.want)
			}
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		k, _ := l.NewKeyedLimiter(1e6, 10, 50)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 2000 {
					k.Allow(fmt.Sprint(g*7 + i%97))
					k.Len()
				}
			})
		}
		wg.Wait()
	})
}

// probeServerInterceptor stops the test with step's TODO while an
// interceptor is not written.
func probeServerInterceptor(t *testing.T, step labkit.Step, i grpc.UnaryServerInterceptor) {
	t.Helper()
	_, err := i(t.Context(), nil, &grpc.UnaryServerInfo{FullMethod: reserveMethod}, func(context.Context, any) (any, error) { return "ok", nil })
	step.Require(t, err)
}

func errorDetails(err error) (info *errdetails.ErrorInfo, retry *errdetails.RetryInfo) {
	for _, d := range status.Convert(err).Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			info = d
		case *errdetails.RetryInfo:
			retry = d
		}
	}
	return info, retry
}

func limiterFor(t *testing.T, l Lab, r float64, burst int) grpc.UnaryServerInterceptor {
	t.Helper()
	k, err := l.NewKeyedLimiter(r, burst, 1000)
	step6.Require(t, err)
	return l.RateLimit(k, l.ClientKey)
}

// TestRateLimit: step 6, the server interceptor and its RetryInfo, which
// chapter 2's retry interceptor obeys.
func TestRateLimit(t *testing.T, l Lab) {
	probeServerInterceptor(t, step6, limiterFor(t, l, 1, 1))

	t.Run("resource_exhausted_with_retry_info", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			inv, client, _ := serveInventory(t, labkit.Bufconn, labkit.Options{Server: []grpc.ServerOption{grpc.UnaryInterceptor(limiterFor(t, l, 10, 2))}})
			alice := metadata.AppendToOutgoingContext(t.Context(), policy.APIKeyHeader, "alice")
			bob := metadata.AppendToOutgoingContext(t.Context(), policy.APIKeyHeader, "bob")
			for range 2 {
				if err := reserve(alice, client); err != nil {
					t.Fatalf("alice's call within her burst = %v", err)
				}
			}
			err := reserve(alice, client)
			if status.Code(err) != codes.ResourceExhausted {
				t.Fatalf("alice's 3rd call = %v, want ResourceExhausted", err)
			}
			info, retry := errorDetails(err)
			if info.GetReason() != policy.ReasonRateLimited || info.GetDomain() != policy.Domain {
				t.Errorf("ErrorInfo = %v, want reason %s in domain %s", info, policy.ReasonRateLimited, policy.Domain)
			}
			if retry.GetRetryDelay().AsDuration() != 100*time.Millisecond {
				t.Errorf("RetryInfo = %v, want a retry delay of 100ms (one token at 10/s)", retry)
			}
			if inv.reserves.Load() != 2 {
				t.Errorf("the handler ran %d times, want 2: a refused call must not reach it", inv.reserves.Load())
			}
			if err := reserve(bob, client); err != nil {
				t.Errorf("bob's first call = %v; his API key has its own bucket", err)
			}
		})
	})

	t.Run("chapter_2_retry_waits_as_told", func(t *testing.T) {
		labkit.Bubble(t, func(t *testing.T) {
			// Chapter 2's retry interceptor, with its own backoff far
			// longer than the server's RetryInfo: the time it waits shows
			// whose delay it used.
			retry := ch02.RetryInterceptor(richerr.RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Hour, MaxBackoff: time.Hour, Multiplier: 2})
			inv, client, _ := serveInventory(t, labkit.Bufconn, labkit.Options{
				Server: []grpc.ServerOption{grpc.UnaryInterceptor(limiterFor(t, l, 4, 1))},
				Client: []grpc.DialOption{grpc.WithUnaryInterceptor(retry)},
			})
			if err := reserve(t.Context(), client); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if err := reserve(t.Context(), client); err != nil {
				t.Fatalf("the retried call = %v; after waiting the RetryInfo delay it must succeed", err)
			}
			if got := time.Since(start); got != 250*time.Millisecond {
				t.Errorf("chapter 2's retry waited %v, want exactly the 250ms the limiter's RetryInfo asked for (at 4/s)", got)
			}
			if n := inv.reserves.Load(); n != 2 {
				t.Errorf("the handler ran %d times, want 2", n)
			}
		})
	})
}

// TestConcurrencyLimit: step 6, at most N calls in flight.
func TestConcurrencyLimit(t *testing.T, l Lab) {
	probeServerInterceptor(t, step6, l.ConcurrencyLimit(1))
	labkit.Bubble(t, func(t *testing.T) {
		release := make(chan struct{})
		var inHandler atomic.Int32
		inv, client, _ := serveInventory(t, labkit.Bufconn, labkit.Options{Server: []grpc.ServerOption{grpc.UnaryInterceptor(l.ConcurrencyLimit(2))}})
		inv.set(func(ctx context.Context) error {
			inHandler.Add(1)
			defer inHandler.Add(-1)
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil
		})
		errs := make(chan error, 2)
		for range 2 {
			go func() { errs <- reserve(t.Context(), client) }()
		}
		synctest.Wait()
		if inHandler.Load() != 2 {
			t.Fatalf("%d calls are in the handler, want 2", inHandler.Load())
		}
		start := time.Now()
		err := reserve(t.Context(), client)
		if status.Code(err) != codes.ResourceExhausted || time.Since(start) != 0 {
			t.Fatalf("a third call while 2 are in flight = %v after %v; want ResourceExhausted at once", err, time.Since(start))
		}
		if info, retry := errorDetails(err); info.GetReason() != policy.ReasonConcurrencyLimited || retry != nil {
			t.Errorf("details: ErrorInfo %v, RetryInfo %v; want reason %s and no RetryInfo (nobody knows when a slot frees)", info, retry, policy.ReasonConcurrencyLimited)
		}
		release <- struct{}{}
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		go func() { errs <- reserve(t.Context(), client) }()
		synctest.Wait()
		if inHandler.Load() != 2 {
			t.Errorf("after one call finished, a new one was not let in (%d in the handler, want 2)", inHandler.Load())
		}
		close(release)
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		inv.set(nil)
		for i := range 10 {
			if err := reserve(t.Context(), client); err != nil {
				t.Fatalf("sequential call %d = %v; every slot must be given back", i+1, err)
			}
		}
	})
}
