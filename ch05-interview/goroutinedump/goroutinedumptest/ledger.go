package goroutinedumptest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	ledgerv1 "github.com/grpclabs/labs/ch05-interview/gen/ledger/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// run calls f in its own goroutine and waits for it. If a dump proves the
// lab's ledger deadlocked (every one of its goroutines waits on a lock,
// twice in a row), the test fails at once with their stacks; the stuck
// goroutines are then reported again by goleak, which is right: they can
// never end.
func run(t *testing.T, s ledgerv1.LedgerServiceServer, what string, f func()) {
	t.Helper()
	pkg := pkgOfValue(s)
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(guard)
	suspect := 0
	for {
		select {
		case <-done:
			return
		case <-deadline:
			t.Fatalf("%s did not finish within %v; the ledger's goroutines:\n%s", what, guard, frames(allStacks(), pkg))
		case <-tick.C:
		}
		text := allStacks()
		b := scan(text, pkg)
		locked := count(b, "sync.Mutex.Lock", "") + count(b, "sync.RWMutex.Lock", "") + count(b, "sync.RWMutex.RLock", "")
		if locked > 0 && locked == len(b) {
			if suspect++; suspect >= 2 {
				t.Fatalf("%s deadlocked: every goroutine in your ledger waits for a lock that one of them holds. The dump:\n%s", what, frames(text, pkg))
			}
		} else {
			suspect = 0
		}
	}
}

// transfer runs a Transfer under run.
func transfer(t *testing.T, s ledgerv1.LedgerServiceServer, from, to string, amount int64) (*ledgerv1.TransferResponse, error) {
	t.Helper()
	var (
		resp *ledgerv1.TransferResponse
		err  error
	)
	run(t, s, fmt.Sprintf("Transfer(%s -> %s, %d)", from, to, amount), func() {
		resp, err = s.Transfer(context.Background(), &ledgerv1.TransferRequest{From: from, To: to, Amount: amount})
	})
	return resp, step3.Check(t, err)
}

func balance(t *testing.T, s ledgerv1.LedgerServiceServer, account string) int64 {
	t.Helper()
	var (
		resp *ledgerv1.BalanceResponse
		err  error
	)
	run(t, s, "Balance("+account+")", func() {
		resp, err = s.Balance(context.Background(), &ledgerv1.BalanceRequest{Account: account})
	})
	step3.Require(t, err)
	return resp.GetBalance()
}

// TestTransfer: step 3, the request patterns that hung the shipped ledger,
// against yours.
func TestTransfer(t *testing.T, l Lab) {
	t.Run("moves money", func(t *testing.T) {
		s := l.NewLedger(map[string]int64{"alice": 100, "bob": 100})
		resp, err := transfer(t, s, "alice", "bob", 30)
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetFromBalance() != 70 || balance(t, s, "alice") != 70 || balance(t, s, "bob") != 130 {
			t.Errorf("after alice sent 30 of 100 to bob: FromBalance %d, alice %d, bob %d; want 70, 70, 130",
				resp.GetFromBalance(), balance(t, s, "alice"), balance(t, s, "bob"))
		}
	})
	t.Run("overdraft", func(t *testing.T) {
		s := l.NewLedger(map[string]int64{"alice": 100, "bob": 100})
		_, err := transfer(t, s, "alice", "bob", 1000)
		if status.Code(err) != codes.FailedPrecondition || !strings.Contains(status.Convert(err).Message(), "100") {
			t.Errorf("sending 1000 of 100 = %v; want FailedPrecondition with the balance (100) in the message", err)
		}
		// And the accounts are still usable: no lock was left behind.
		if _, err := transfer(t, s, "bob", "alice", 5); err != nil {
			t.Errorf("a transfer after the refused one: %v", err)
		}
	})
	t.Run("bad requests", func(t *testing.T) {
		s := l.NewLedger(map[string]int64{"alice": 100, "bob": 100})
		for _, c := range []struct {
			from, to string
			amount   int64
			want     codes.Code
		}{
			{"alice", "alice", 10, codes.InvalidArgument}, // one account, locked twice: the other hang
			{"alice", "bob", 0, codes.InvalidArgument},
			{"alice", "bob", -5, codes.InvalidArgument},
			{"alice", "mallory", 1, codes.NotFound},
			{"mallory", "bob", 1, codes.NotFound},
		} {
			if _, err := transfer(t, s, c.from, c.to, c.amount); status.Code(err) != c.want {
				t.Errorf("Transfer(%s -> %s, %d) = %v, want %v", c.from, c.to, c.amount, err, c.want)
			}
		}
		if b := balance(t, s, "alice"); b != 100 {
			t.Errorf("refused transfers changed alice's balance to %d", b)
		}
	})
	t.Run("opposite directions", func(t *testing.T) {
		// A to B and B to A at the same time: each locks its sender first
		// and waits for the other's, unless both lock in the same order.
		s := l.NewLedger(map[string]int64{"alice": 1000, "bob": 1000})
		transfer(t, s, "alice", "bob", 1) // a TODO stops here, before the goroutines
		transfer(t, s, "bob", "alice", 1)
		run(t, s, "300 transfers each way at once", func() {
			var wg sync.WaitGroup
			for _, dir := range [][2]string{{"alice", "bob"}, {"bob", "alice"}, {"alice", "bob"}, {"bob", "alice"}} {
				wg.Go(func() {
					for range 150 {
						if _, err := s.Transfer(context.Background(), &ledgerv1.TransferRequest{From: dir[0], To: dir[1], Amount: 1}); err != nil {
							t.Errorf("%s -> %s: %v", dir[0], dir[1], err)
							return
						}
					}
				})
			}
			wg.Wait()
		})
		if a, b := balance(t, s, "alice"), balance(t, s, "bob"); a != 1000 || b != 1000 {
			t.Errorf("after as many transfers each way: alice %d, bob %d; want 1000 each", a, b)
		}
	})
	t.Run("no money made or lost", func(t *testing.T) {
		names := []string{"a", "b", "c", "d", "e"}
		start := map[string]int64{}
		for _, n := range names {
			start[n] = 100
		}
		s := l.NewLedger(start)
		transfer(t, s, "a", "b", 1) // a TODO stops here, before the goroutines
		transfer(t, s, "b", "a", 1)
		run(t, s, "random transfers from 8 goroutines", func() {
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					r := rand.New(rand.NewPCG(uint64(g), 9))
					for range 200 {
						from, to := names[r.IntN(5)], names[r.IntN(5)]
						_, err := s.Transfer(context.Background(), &ledgerv1.TransferRequest{From: from, To: to, Amount: 1 + r.Int64N(60)})
						if c := status.Code(err); err != nil && c != codes.FailedPrecondition && c != codes.InvalidArgument {
							t.Errorf("%s -> %s: %v", from, to, err)
						}
					}
				})
			}
			wg.Wait()
		})
		var total int64
		for _, n := range names {
			b := balance(t, s, n)
			if b < 0 {
				t.Errorf("%s has %d", n, b)
			}
			total += b
		}
		if total != 500 {
			t.Errorf("the accounts hold %d in total after the transfers, want the 500 they started with", total)
		}
	})
}

// TestWatch: step 4, watchers that come and go leave nothing behind, and a
// watcher that does not read never stalls a transfer. In a synctest bubble
// over bufconn, so "nothing left" is checked at an instant when every
// goroutine has either exited or is blocked for good.
func TestWatch(t *testing.T, l Lab) {
	// Check for the TODO before entering the bubble (a skip inside one
	// reads as a pass), on a server the subtest's cleanup has stopped, and
	// waited for, before the bubble starts.
	var probeErr error
	t.Run("probe", func(t *testing.T) {
		probe := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) {
			ledgerv1.RegisterLedgerServiceServer(g, l.NewLedger(map[string]int64{"a": 1}))
		}, labkit.Options{})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		stream, err := ledgerv1.NewLedgerServiceClient(probe.Conn).Watch(ctx, &ledgerv1.BalanceRequest{Account: "a"})
		if err == nil {
			_, err = stream.Recv()
		}
		probeErr = err
	})
	step4.Check(t, probeErr)
	labkit.Bubble(t, func(t *testing.T) {
		ledger := l.NewLedger(map[string]int64{"alice": 100, "bob": 100})
		pkg := pkgOfValue(ledger)
		s := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) { ledgerv1.RegisterLedgerServiceServer(g, ledger) }, labkit.Options{})
		client := ledgerv1.NewLedgerServiceClient(s.Conn)
		type watcher struct {
			stream ledgerv1.LedgerService_WatchClient
			cancel context.CancelFunc
		}
		var ws []watcher
		for range 5 {
			ctx, cancel := context.WithCancel(t.Context())
			stream, err := client.Watch(ctx, &ledgerv1.BalanceRequest{Account: "alice"})
			if err != nil {
				cancel()
				t.Fatal(err)
			}
			first, err := stream.Recv()
			step4.Require(t, err)
			if first.GetBalance() != 100 {
				t.Errorf("a new watcher's first message says %d, want the current balance 100", first.GetBalance())
			}
			ws = append(ws, watcher{stream, cancel})
		}
		if _, err := client.Transfer(t.Context(), &ledgerv1.TransferRequest{From: "alice", To: "bob", Amount: 10}); err != nil {
			t.Fatal(err)
		}
		for i, w := range ws {
			got, err := w.stream.Recv()
			if err != nil || got.GetBalance() != 90 {
				t.Errorf("watcher %d after alice sent 10: %v, %v; want balance 90", i, got.GetBalance(), err)
			}
		}
		for _, w := range ws {
			w.cancel()
		}
		synctest.Wait() // every goroutine has now exited or is blocked for good
		if left := scan(allStacks(), pkg); len(left) > 0 {
			t.Errorf("%d goroutines of your ledger are still there after every watcher cancelled: a Watch must clean up when its stream's context ends:\n%s",
				len(left), frames(allStacks(), pkg))
		}

		// A watcher that never reads again must not stall transfers. (Its
		// context ends after a minute of the bubble's fake time, so a wait
		// for an update that never comes fails instead of hanging.)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		lazy, err := client.Watch(ctx, &ledgerv1.BalanceRequest{Account: "bob"})
		if err == nil {
			_, err = lazy.Recv()
		}
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			for i := range 50 {
				if _, err := ledger.Transfer(context.Background(), &ledgerv1.TransferRequest{From: "alice", To: "bob", Amount: 1}); err != nil {
					done <- fmt.Errorf("transfer %d: %w", i, err)
					return
				}
			}
			done <- nil
		}()
		synctest.Wait()
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		default:
			t.Fatalf("50 transfers to bob did not finish while one of bob's watchers was not reading: publishing must never block. Your ledger's goroutines:\n%s", frames(allStacks(), pkg))
		}
		// The watcher that stopped reading gets the latest balance (100 + 10
		// + 50) when it reads again; missing some in between is allowed.
		for {
			got, err := lazy.Recv()
			if err != nil {
				t.Fatalf("the watcher that paused never got bob's latest balance (160): %v", err)
			}
			if got.GetBalance() == 160 {
				break
			}
		}
	})
}
