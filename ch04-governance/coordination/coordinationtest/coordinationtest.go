// Package coordinationtest is the coordination lab's suite. The exercise
// and the solution both run it through their one-screen *_test.go files.
//
// It runs against one real etcd member per test binary (etcdtest.Shared);
// each test uses its own lock and election names. A lease that "expires"
// is revoked by the test instead, which is what expiry does, without
// waiting for it.
package coordinationtest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch04-governance/etcdtest"
	storagev1 "github.com/grpclabs/labs/ch04-governance/gen/storage/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

const labID = "ch04-governance/coordination"

var (
	step1 = labkit.Step{Lab: labID, N: 1, What: "WithLock"}
	step2 = labkit.Step{Lab: labID, N: 2, What: "Mutex"}
	step3 = labkit.Step{Lab: labID, N: 3, What: "Lead"}
	step4 = labkit.Step{Lab: labID, N: 4, What: "Store"}
)

// Mutex is the lab's hand-made lock.
type Mutex interface {
	Lock(ctx context.Context) (token int64, err error)
	Unlock(ctx context.Context) error
	Lost() <-chan struct{}
}

// Lab is what the suite needs from an implementation.
type Lab struct {
	WithLock    func(ctx context.Context, cli *clientv3.Client, name string, ttl int, fn func(ctx context.Context, token int64) error) error
	ErrLockLost error
	NewMutex    func(cli *clientv3.Client, name string, ttl int) Mutex

	Lead              func(ctx context.Context, cli *clientv3.Client, name, id string, ttl int, act func(ctx context.Context)) error
	Leader            func(ctx context.Context, cli *clientv3.Client, name string) (string, error)
	ErrLeadershipLost error
	ErrNoLeader       error

	NewStore func() storagev1.StorageServer
}

// The layout the lab's README specifies, which the suite reads to find a
// holder's lease.
func lockPrefix(name string) string     { return "locks/" + name + "/" }
func electionPrefix(name string) string { return "elections/" + name + "/" }

// holderLease is the lease of the oldest key under prefix (the holder or
// the leader), or 0 when there is none.
func holderLease(t *testing.T, cli *clientv3.Client, prefix string) clientv3.LeaseID {
	t.Helper()
	resp, err := cli.Get(t.Context(), prefix, clientv3.WithFirstCreate()...)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) == 0 {
		return 0
	}
	return clientv3.LeaseID(resp.Kvs[0].Lease)
}

func keysUnder(t *testing.T, cli *clientv3.Client, prefix string) int {
	t.Helper()
	resp, err := cli.Get(t.Context(), prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		t.Fatal(err)
	}
	return int(resp.Count)
}

// incr adds one to an etcd counter with a plain read and write: two
// processes doing it at once lose updates, unless a lock serialises them.
func incr(ctx context.Context, cli *clientv3.Client, key string) error {
	resp, err := cli.Get(ctx, key)
	if err != nil {
		return err
	}
	n := 0
	if len(resp.Kvs) > 0 {
		n, _ = strconv.Atoi(string(resp.Kvs[0].Value))
	}
	_, err = cli.Put(ctx, key, strconv.Itoa(n+1))
	return err
}

func counter(t *testing.T, cli *clientv3.Client, key string) int {
	t.Helper()
	resp, err := cli.Get(t.Context(), key)
	if err != nil || len(resp.Kvs) == 0 {
		t.Fatalf("read %s: %v", key, err)
	}
	n, _ := strconv.Atoi(string(resp.Kvs[0].Value))
	return n
}

// exclusion runs workers × rounds critical sections through lock and
// checks that none overlapped: no lost update, one holder at a time, and
// tokens that grow with every new holder.
func exclusion(t *testing.T, step labkit.Step, cli *clientv3.Client, name string, lock func(ctx context.Context, section func(token int64) error) error) {
	t.Helper()
	const workers, rounds = 4, 3
	key := "counters/" + name
	var (
		mu      sync.Mutex
		inside  int
		overlap bool
		tokens  []int64
	)
	errs := make(chan error, workers*rounds)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range rounds {
				errs <- lock(t.Context(), func(token int64) error {
					mu.Lock()
					inside++
					overlap = overlap || inside > 1
					tokens = append(tokens, token)
					mu.Unlock()
					err := incr(t.Context(), cli, key)
					mu.Lock()
					inside--
					mu.Unlock()
					return err
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		step.Require(t, err)
	}
	if overlap {
		t.Error("two holders were inside the lock at the same time")
	}
	if got := counter(t, cli, key); got != workers*rounds {
		t.Errorf("the counter is %d after %d locked increments: updates were lost, so the lock did not exclude", got, workers*rounds)
	}
	for i := 1; i < len(tokens); i++ {
		if tokens[i] <= tokens[i-1] {
			t.Fatalf("fencing tokens in the order the lock was taken: %v; each new holder must get a larger one (the key's create revision)", tokens)
		}
	}
}

// eventually waits on a condition with the suite's generous bound.
func eventually(t *testing.T, check func() error) {
	t.Helper()
	etcdtest.Eventually(t, etcdtest.Wait, check)
}

// TestWithLock: step 1, the lock from etcd's concurrency package, its
// fencing token, its context, and a lease lost while held.
func TestWithLock(t *testing.T, l Lab) {
	t.Parallel()
	s := etcdtest.Shared(t)
	cli := s.Client(t)
	step1.Require(t, l.WithLock(t.Context(), cli, etcdtest.Unique(t), 5, func(context.Context, int64) error { return nil }))

	t.Run("excludes", func(t *testing.T) {
		name := etcdtest.Unique(t)
		exclusion(t, step1, cli, name, func(ctx context.Context, section func(int64) error) error {
			return l.WithLock(ctx, cli, name, 5, func(_ context.Context, token int64) error { return section(token) })
		})
		if n := keysUnder(t, cli, lockPrefix(name)); n != 0 {
			t.Errorf("%d keys left under %s after every holder returned", n, lockPrefix(name))
		}
	})

	t.Run("gives up when ctx ends", func(t *testing.T) {
		name := etcdtest.Unique(t)
		held, release := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- l.WithLock(t.Context(), cli, name, 5, func(context.Context, int64) error {
				close(held)
				<-release
				return nil
			})
		}()
		<-held
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		err := l.WithLock(ctx, cli, name, 5, func(context.Context, int64) error {
			t.Error("fn ran while another holder held the lock")
			return nil
		})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("waiting with a 300ms deadline for a held lock returned %v, want an error wrapping context.DeadlineExceeded", err)
		}
		eventually(t, func() error {
			if n := keysUnder(t, cli, lockPrefix(name)); n != 1 {
				return fmt.Errorf("%d keys under the lock after the waiter gave up; want only the holder's (the waiter removes its own)", n)
			}
			return nil
		})
		close(release)
		step1.Require(t, <-done)
	})

	t.Run("lease lost while held", func(t *testing.T) {
		name := etcdtest.Unique(t)
		held := make(chan struct{})
		stopped := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- l.WithLock(t.Context(), cli, name, 5, func(ctx context.Context, _ int64) error {
				close(held)
				<-ctx.Done() // a holder that watches its context
				close(stopped)
				return nil
			})
		}()
		<-held
		if _, err := cli.Revoke(t.Context(), holderLease(t, cli, lockPrefix(name))); err != nil {
			t.Fatal(err)
		}
		select {
		case <-stopped:
		case <-time.After(etcdtest.Wait):
			t.Fatal("the lock's lease was revoked and fn's context did not end: cancel it when the session ends (Session.Ctx or Done)")
		}
		if err := <-done; !errors.Is(err, l.ErrLockLost) {
			t.Errorf("WithLock after its lease was lost = %v, want an error wrapping ErrLockLost: the caller must learn its work was unprotected", err)
		}
	})
}

// TestMutex: step 2, the lock by hand: exclusion, first come first
// served, compatible with concurrency.Mutex, and honest about a lost
// lease.
func TestMutex(t *testing.T, l Lab) {
	t.Parallel()
	s := etcdtest.Shared(t)
	cli := s.Client(t)
	probe := l.NewMutex(cli, etcdtest.Unique(t), 5)
	_, err := probe.Lock(t.Context())
	step2.Require(t, err)
	step2.Require(t, probe.Unlock(t.Context()))

	t.Run("excludes", func(t *testing.T) {
		name := etcdtest.Unique(t)
		exclusion(t, step2, cli, name, func(ctx context.Context, section func(int64) error) error {
			m := l.NewMutex(cli, name, 5)
			token, err := m.Lock(ctx)
			if err != nil {
				return err
			}
			serr := section(token)
			return errors.Join(serr, m.Unlock(ctx))
		})
	})

	t.Run("first come first served", func(t *testing.T) {
		name := etcdtest.Unique(t)
		a := l.NewMutex(cli, name, 5)
		tokA, err := a.Lock(t.Context())
		step2.Require(t, err)
		order := make(chan string, 3)
		var wg sync.WaitGroup
		var tokens sync.Map
		for i, id := range []string{"b", "c", "d"} {
			m := l.NewMutex(cli, name, 5)
			wg.Go(func() {
				tok, err := m.Lock(t.Context())
				if err != nil {
					t.Errorf("%s: Lock: %v", id, err)
					return
				}
				tokens.Store(id, tok)
				order <- id
				m.Unlock(t.Context())
			})
			// Queue b, then c, then d: wait until each one's key is in.
			eventually(t, func() error {
				if n := keysUnder(t, cli, lockPrefix(name)); n != i+2 {
					return fmt.Errorf("%d keys under the lock, waiting for %s to queue", n, id)
				}
				return nil
			})
		}
		step2.Require(t, a.Unlock(t.Context()))
		wg.Wait()
		close(order)
		var got []string
		for id := range order {
			got = append(got, id)
		}
		if fmt.Sprint(got) != "[b c d]" {
			t.Errorf("waiters got the lock in the order %v, want [b c d]: the oldest key (lowest create revision) goes first", got)
		}
		if tb, ok := tokens.Load("b"); !ok || tb.(int64) <= tokA {
			t.Errorf("b's token %v is not larger than a's %d", tb, tokA)
		}
	})

	t.Run("compatible with concurrency.Mutex", func(t *testing.T) {
		name := etcdtest.Unique(t)
		sess, err := concurrency.NewSession(cli, concurrency.WithTTL(5))
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		theirs := concurrency.NewMutex(sess, "locks/"+name) // it adds the slash
		ours := l.NewMutex(cli, name, 5)
		_, err = ours.Lock(t.Context())
		step2.Require(t, err)
		if err := theirs.TryLock(t.Context()); !errors.Is(err, concurrency.ErrLocked) {
			t.Errorf("concurrency.Mutex.TryLock while ours holds the lock = %v, want ErrLocked: use the same layout (prefix + lease id in hex)", err)
		}
		step2.Require(t, ours.Unlock(t.Context()))
		if err := theirs.Lock(t.Context()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		if _, err := ours.Lock(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("our Lock while concurrency.Mutex holds it = %v, want it to wait (here: until its 300ms deadline)", err)
		}
		if err := theirs.Unlock(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := ours.Lock(t.Context()); err != nil {
			t.Fatal(err)
		}
		ours.Unlock(t.Context())
	})

	t.Run("lease lost while held", func(t *testing.T) {
		name := etcdtest.Unique(t)
		a, b := l.NewMutex(cli, name, 5), l.NewMutex(cli, name, 5)
		_, err := a.Lock(t.Context())
		step2.Require(t, err)
		if a.Lost() == nil {
			t.Fatal("Lost() is nil while the Mutex holds the lock")
		}
		got := make(chan error, 1)
		go func() { _, err := b.Lock(t.Context()); got <- err }()
		if _, err := cli.Revoke(t.Context(), holderLease(t, cli, lockPrefix(name))); err != nil {
			t.Fatal(err)
		}
		select {
		case <-a.Lost():
		case <-time.After(etcdtest.Wait):
			t.Fatal("the holder's lease was revoked and Lost() did not close")
		}
		if err := <-got; err != nil {
			t.Fatalf("the waiter did not get the lock after the holder's lease ended: %v", err)
		}
		step2.Require(t, b.Unlock(t.Context()))
		a.Unlock(t.Context()) // its lease is gone: an error is fine, a hang is not
	})

	t.Run("misuse", func(t *testing.T) {
		m := l.NewMutex(cli, etcdtest.Unique(t), 5)
		if err := m.Unlock(t.Context()); err == nil {
			t.Error("Unlock of a Mutex that holds nothing succeeded, want an error")
		}
		_, err := m.Lock(t.Context())
		step2.Require(t, err)
		ctx, cancel := context.WithTimeout(t.Context(), etcdtest.Wait)
		defer cancel()
		if _, err := m.Lock(ctx); err == nil {
			t.Error("a second Lock on the same Mutex succeeded, want an error (it would deadlock on its own key)")
		}
		step2.Require(t, m.Unlock(t.Context()))
	})
}

// candidate runs one Lead in the background and records when it acts.
type candidate struct {
	id     string
	cancel context.CancelFunc
	done   chan error
}

// election tracks who acts, and fails the test if two act at once.
type election struct {
	mu      sync.Mutex
	acting  map[string]bool
	overlap bool
	started chan string
}

func (e *election) act(id string) func(ctx context.Context) {
	return func(ctx context.Context) {
		e.mu.Lock()
		e.overlap = e.overlap || len(e.acting) > 0
		e.acting[id] = true
		e.mu.Unlock()
		e.started <- id
		<-ctx.Done() // a leader that stops when its context says so
		e.mu.Lock()
		delete(e.acting, id)
		e.mu.Unlock()
	}
}

// TestElection: step 3, one leader at a time; a resignation hands over
// at once; a leader whose lease is lost stops acting.
func TestElection(t *testing.T, l Lab) {
	t.Parallel()
	s := etcdtest.Shared(t)
	cli := s.Client(t)
	name := etcdtest.Unique(t)
	_, err := l.Leader(t.Context(), cli, name)
	step3.Check(t, err)
	if !errors.Is(err, l.ErrNoLeader) {
		t.Fatalf("Leader of an election nobody entered = %v, want ErrNoLeader", err)
	}

	e := &election{acting: map[string]bool{}, started: make(chan string, 3)}
	cands := map[string]*candidate{}
	for _, id := range []string{"r1", "r2", "r3"} {
		ctx, cancel := context.WithCancel(t.Context())
		c := &candidate{id: id, cancel: cancel, done: make(chan error, 1)}
		cands[id] = c
		go func() { c.done <- l.Lead(ctx, cli, name, id, 5, e.act(id)) }()
	}
	t.Cleanup(func() {
		for _, c := range cands {
			c.cancel()
		}
	})
	next := func() string {
		t.Helper()
		select {
		case id := <-e.started:
			return id
		case <-time.After(etcdtest.Wait):
			for _, c := range cands {
				select {
				case err := <-c.done:
					step3.Require(t, err)
				default:
				}
			}
			t.Fatal("no candidate became leader")
			return ""
		}
	}
	first := next()
	if got, err := l.Leader(t.Context(), cli, name); err != nil || got != first {
		t.Errorf("Leader = %q, %v while %s acts", got, err, first)
	}

	// The leader resigns: someone else takes over, without waiting a TTL.
	cands[first].cancel()
	if err := <-cands[first].done; !errors.Is(err, context.Canceled) {
		t.Errorf("Lead after its ctx was cancelled = %v, want context.Canceled", err)
	}
	second := next()
	if second == first {
		t.Fatalf("%s resigned and leads again", first)
	}
	e.mu.Lock()
	if e.overlap {
		t.Error("two candidates acted at the same time after a resignation: stop acting before you resign")
	}
	e.mu.Unlock()
	eventually(t, func() error {
		if got, err := l.Leader(t.Context(), cli, name); err != nil || got != second {
			return fmt.Errorf("Leader = %q, %v; want %s", got, err, second)
		}
		return nil
	})

	// The leader's lease is lost: it must stop acting, and Lead says why.
	if _, err := cli.Revoke(t.Context(), holderLease(t, cli, electionPrefix(name))); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-cands[second].done:
		if !errors.Is(err, l.ErrLeadershipLost) {
			t.Errorf("Lead after its lease was lost = %v, want ErrLeadershipLost", err)
		}
	case <-time.After(etcdtest.Wait):
		t.Fatal("the leader's lease was revoked and its Lead is still running: end act's context when the session ends")
	}
	third := next()
	if third == first || third == second {
		t.Errorf("after %s and %s, %s leads again", first, second, third)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.acting[second] {
		t.Errorf("%s lost its lease and still acts", second)
	}
}

// unfencedStore is what the text's lock-protected write looks like
// without fencing: it believes whoever writes last.
type unfencedStore struct {
	storagev1.UnimplementedStorageServer
	mu   sync.Mutex
	data map[string]*storagev1.ReadResponse
}

func (s *unfencedStore) Write(_ context.Context, req *storagev1.WriteRequest) (*storagev1.WriteResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[req.GetKey()] = &storagev1.ReadResponse{Value: req.GetValue(), FencingToken: req.GetFencingToken()}
	return &storagev1.WriteResponse{}, nil
}

func (s *unfencedStore) Read(_ context.Context, req *storagev1.ReadRequest) (*storagev1.ReadResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.data[req.GetKey()]; ok {
		return v, nil
	}
	return nil, status.Error(codes.NotFound, "never written")
}

func serveStore(t *testing.T, srv storagev1.StorageServer) storagev1.StorageClient {
	t.Helper()
	s := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) { storagev1.RegisterStorageServer(g, srv) }, labkit.Options{})
	return storagev1.NewStorageClient(s.Conn)
}

// TestStore: step 4, the store refuses a write with an older token than
// the newest it accepted for the key.
func TestStore(t *testing.T, l Lab) {
	c := serveStore(t, l.NewStore())
	ctx := t.Context()
	write := func(key, value string, token int64) error {
		_, err := c.Write(ctx, &storagev1.WriteRequest{Key: key, Value: value, FencingToken: token})
		return err
	}
	step4.Require(t, write("k", "v5", 5))
	step4.Require(t, write("k", "v7", 7))
	if err := write("k", "v6", 6); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("a write with token 6 after token 7 = %v, want FailedPrecondition", err)
	}
	step4.Require(t, write("k", "v7b", 7)) // the same holder writes again
	if r, err := c.Read(ctx, &storagev1.ReadRequest{Key: "k"}); err != nil || r.GetValue() != "v7b" || r.GetFencingToken() != 7 {
		t.Errorf("Read(k) = %v, %v; want v7b written with token 7", r, err)
	}
	step4.Require(t, write("other", "x", 1)) // tokens are per key
	for _, bad := range []*storagev1.WriteRequest{{Key: "", Value: "x", FencingToken: 9}, {Key: "k", Value: "x"}, {Key: "k", FencingToken: -1}} {
		if _, err := c.Write(ctx, bad); status.Code(err) != codes.InvalidArgument {
			t.Errorf("Write(%v) = %v, want InvalidArgument", bad, err)
		}
	}
	if _, err := c.Read(ctx, &storagev1.ReadRequest{Key: "never"}); status.Code(err) != codes.NotFound {
		t.Errorf("Read of a key never written = %v, want NotFound", err)
	}

	// Many writers at once: the newest token wins, whatever the order.
	var wg sync.WaitGroup
	for tok := int64(100); tok < 150; tok++ {
		wg.Go(func() { write("race", strconv.FormatInt(tok, 10), tok) })
	}
	wg.Wait()
	if r, err := c.Read(ctx, &storagev1.ReadRequest{Key: "race"}); err != nil || r.GetFencingToken() != 149 || r.GetValue() != "149" {
		t.Errorf("after 50 concurrent writes with tokens 100-149, Read = %v, %v; want token 149: check and write in one critical section", r, err)
	}
}

// TestFencing: step 4, the classic failure and its fix. A takes the lock
// and pauses past its lease (here: the test revokes it); B takes the lock
// and writes; A wakes up, still believing it holds the lock, and writes.
// Without fencing, A's stale write wins and B's is lost. With the token,
// the store refuses A's write.
func TestFencing(t *testing.T, l Lab) {
	t.Parallel()
	step4.Require(t, probeStore(t, l))
	s := etcdtest.Shared(t)
	cli := s.Client(t)
	run := func(t *testing.T, store storagev1.StorageClient) (aErr, aWrite error) {
		name := etcdtest.Unique(t)
		held, wake := make(chan struct{}), make(chan struct{})
		aDone := make(chan error, 1)
		go func() {
			aDone <- l.WithLock(t.Context(), cli, name, 5, func(_ context.Context, token int64) error {
				close(held)
				<-wake // paused: a GC pause does not check contexts
				_, aWrite = store.Write(context.Background(), &storagev1.WriteRequest{Key: "doc", Value: "A", FencingToken: token})
				return nil
			})
		}()
		<-held
		if _, err := cli.Revoke(t.Context(), holderLease(t, cli, lockPrefix(name))); err != nil {
			t.Fatal(err)
		}
		step1.Require(t, l.WithLock(t.Context(), cli, name, 5, func(_ context.Context, token int64) error {
			_, err := store.Write(t.Context(), &storagev1.WriteRequest{Key: "doc", Value: "B", FencingToken: token})
			return err
		}))
		close(wake)
		aErr = <-aDone
		return aErr, aWrite
	}
	read := func(store storagev1.StorageClient) string {
		r, err := store.Read(t.Context(), &storagev1.ReadRequest{Key: "doc"})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetValue()
	}

	t.Run("without fencing the stale write wins", func(t *testing.T) {
		store := serveStore(t, &unfencedStore{data: map[string]*storagev1.ReadResponse{}})
		aErr, _ := run(t, store)
		if got := read(store); got != "A" {
			t.Fatalf("the unfenced store holds %q; this scenario should reproduce the corruption (A's stale write over B's)", got)
		}
		if !errors.Is(aErr, l.ErrLockLost) {
			t.Errorf("A's WithLock = %v, want ErrLockLost: A did lose the lock while it held it", aErr)
		}
	})
	t.Run("with fencing the stale write is refused", func(t *testing.T) {
		store := serveStore(t, l.NewStore())
		_, aWrite := run(t, store)
		step4.Check(t, aWrite)
		if status.Code(aWrite) != codes.FailedPrecondition {
			t.Errorf("A's write with its old token = %v, want FailedPrecondition", aWrite)
		}
		if got := read(store); got != "B" {
			t.Errorf("the fenced store holds %q, want B's write", got)
		}
	})
}

// probeStore returns the store's TODO, if it has one, before etcd starts.
func probeStore(t *testing.T, l Lab) error {
	_, err := l.NewStore().Write(t.Context(), &storagev1.WriteRequest{Key: "probe", Value: "x", FencingToken: 1})
	if labkit.IsTODO(err) {
		return err
	}
	return nil
}
