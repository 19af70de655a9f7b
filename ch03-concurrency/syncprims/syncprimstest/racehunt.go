package syncprimstest

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	syncprimsv1 "github.com/grpclabs/labs/ch03-concurrency/gen/syncprims/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// raceHunt runs the race-hunt tests even while RaceHuntFixed is false, so a
// learner can watch the race detector and goleak report the planted bugs:
//
//	go test -race -run TestRaceHunt ./ch03-concurrency/syncprims/exercise -args -racehunt
var raceHunt = flag.Bool("racehunt", false, "run the race-hunt tests against the session service even if RaceHuntFixed is false")

// Directory is the session service's slow display-name lookup.
type Directory = func(ctx context.Context, user string) (string, error)

func displayName(_ context.Context, user string) (string, error) { return "Name of " + user, nil }

// TestRaceHunt: step 6, the session service under concurrent load; with
// -race and goleak, any remaining data race or leaked goroutine fails it.
//
// While fixed is false the buggy code is not run at all (a race report
// fails the whole test binary, and a leak fails TestMain, neither of which
// the TODO protocol could turn into a skip); the test reports the TODO.
func TestRaceHunt[S syncprimsv1.SessionServiceServer](t *testing.T, newServer func(Directory) S, fixed bool) {
	if !fixed && !*raceHunt {
		step6.Check(t, labkit.TODO(step6.What))
	}
	serve := func(t *testing.T, dir Directory, o labkit.Options) syncprimsv1.SessionServiceClient {
		srv := newServer(dir)
		s := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) { syncprimsv1.RegisterSessionServiceServer(g, srv) }, o)
		return syncprimsv1.NewSessionServiceClient(s.Conn)
	}

	t.Run("logins", func(t *testing.T) {
		client := serve(t, displayName, labkit.Options{})
		const users = 64
		var (
			mu  sync.Mutex
			ids = map[string]string{} // session id -> user
		)
		errs := make(chan error, 2*users)
		var wg sync.WaitGroup
		login := func(user string) {
			resp, err := client.Login(t.Context(), &syncprimsv1.LoginRequest{User: user})
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if other, dup := ids[resp.GetSessionId()]; dup {
				errs <- fmt.Errorf("session id %q given to both %s and %s", resp.GetSessionId(), other, user)
			}
			ids[resp.GetSessionId()] = user
		}
		for i := range users / 2 {
			wg.Go(func() { login(fmt.Sprint("u", i)) })
		}
		wg.Wait()
		// Now resolve the first half while the second half logs in: reads
		// of the session map race with writes unless both are guarded.
		mu.Lock()
		first := make(map[string]string, len(ids))
		for id, u := range ids {
			first[id] = u
		}
		mu.Unlock()
		for id, user := range first {
			wg.Go(func() {
				resp, err := client.Resolve(t.Context(), &syncprimsv1.ResolveRequest{SessionId: id})
				if err == nil && resp.GetDisplayName() != "Name of "+user {
					err = fmt.Errorf("Resolve(%s) = %q, want %q", id, resp.GetDisplayName(), "Name of "+user)
				}
				if err != nil {
					errs <- err
				}
			})
		}
		for i := users / 2; i < users; i++ {
			wg.Go(func() { login(fmt.Sprint("u", i)) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		resp, err := client.Count(t.Context(), &syncprimsv1.CountRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetLogins() != users || len(ids) != users {
			t.Fatalf("%d concurrent logins: Count = %d, distinct session ids = %d; want %d and %d (lost updates from a racy counter)", users, resp.GetLogins(), len(ids), users, users)
		}
	})

	t.Run("touch_all", func(t *testing.T) {
		client := serve(t, displayName, labkit.Options{})
		var ids []string
		for i := range 8 {
			resp, err := client.Login(t.Context(), &syncprimsv1.LoginRequest{User: fmt.Sprint("t", i)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, resp.GetSessionId())
		}
		const rounds = 16
		errs := make(chan error, rounds)
		var wg sync.WaitGroup
		for range rounds {
			wg.Go(func() {
				resp, err := client.TouchAll(t.Context(), &syncprimsv1.TouchAllRequest{SessionIds: ids})
				switch {
				case err != nil:
					errs <- err
				case len(resp.GetCounts()) != len(ids):
					errs <- fmt.Errorf("TouchAll of %d sessions returned %d counts: appends from concurrent goroutines were lost", len(ids), len(resp.GetCounts()))
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		resp, err := client.TouchAll(t.Context(), &syncprimsv1.TouchAllRequest{SessionIds: ids})
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range resp.GetCounts() {
			if n != rounds+1 {
				t.Fatalf("after %d TouchAll calls, counts = %v, want %d for every session, in request order (index %d)", rounds+1, resp.GetCounts(), rounds+1, i)
			}
		}
		_, err = client.TouchAll(t.Context(), &syncprimsv1.TouchAllRequest{SessionIds: []string{ids[0], "nope"}})
		if status.Code(err) != codes.NotFound {
			t.Fatalf("TouchAll with an unknown session: %v, want NotFound", err)
		}
	})

	t.Run("resolve_leak", func(t *testing.T) {
		ignore := goleak.IgnoreCurrent()
		t.Run("cancelled_call", func(t *testing.T) {
			// A directory that ignores its context, as slow legacy clients
			// do; it answers only when the test says so.
			entered, release := make(chan struct{}), make(chan struct{})
			dir := func(context.Context, string) (string, error) {
				close(entered)
				<-release
				return "late", nil
			}
			// Learn when the Resolve handler has returned, from the server side.
			returned := make(chan struct{})
			o := labkit.Options{Server: []grpc.ServerOption{grpc.ChainUnaryInterceptor(
				func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
					resp, err := h(ctx, req)
					if info.FullMethod == syncprimsv1.SessionService_Resolve_FullMethodName {
						close(returned)
					}
					return resp, err
				})}}
			client := serve(t, dir, o)
			login, err := client.Login(t.Context(), &syncprimsv1.LoginRequest{User: "ada"})
			if err != nil {
				t.Fatal(err)
			}

			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() {
				_, err := client.Resolve(ctx, &syncprimsv1.ResolveRequest{SessionId: login.GetSessionId()})
				done <- err
			}()
			<-entered // the lookup goroutine is inside the directory
			cancel()  // the client goes away
			if err := <-done; status.Code(err) != codes.Canceled {
				t.Errorf("Resolve after the client cancelled: %v, want Canceled", err)
			}
			<-returned     // the handler has given up on the lookup...
			close(release) // ...and only now does the lookup finish and try to hand over its result
		})
		// The server is stopped: every goroutine it started must be gone.
		if err := goleak.Find(ignore); err != nil {
			t.Fatalf("goroutines left behind after a cancelled Resolve (look for SessionServer.Resolve below: a send nobody will ever receive):\n%v", err)
		}
	})
}
