package solution

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	syncprimsv1 "github.com/grpclabs/labs/ch03-concurrency/gen/syncprims/v1"
)

// RaceHuntFixed tells the suite that the session service below is fixed, so
// the race-hunt tests may run it under load.
const RaceHuntFixed = true

// SessionServer is the race hunt's session service, with every planted bug
// fixed. Each fix is marked FIX.
type SessionServer struct {
	syncprimsv1.UnimplementedSessionServiceServer
	dir func(ctx context.Context, user string) (string, error)

	// FIX 1: logins is an atomic counter; a plain int64 with ++ from
	// concurrent handlers loses updates (a read, an add and a write that
	// other goroutines interleave with).
	logins atomic.Int64

	// FIX 2: one mutex guards both maps. Every gRPC call runs its handler on
	// its own goroutine, so a handler's map write races with every other.
	mu       sync.Mutex
	sessions map[string]string // session id -> user
	activity map[string]int64  // session id -> touches
}

// NewSessionServer returns a session service that resolves display names
// with dir (a slow directory lookup, which may ignore its context).
func NewSessionServer(dir func(ctx context.Context, user string) (string, error)) *SessionServer {
	return &SessionServer{dir: dir, sessions: map[string]string{}, activity: map[string]int64{}}
}

// Login opens a session. The id comes from the atomic counter's own result
// (Add returns the new value), so no two logins can get the same id.
func (s *SessionServer) Login(_ context.Context, req *syncprimsv1.LoginRequest) (*syncprimsv1.LoginResponse, error) {
	if req.GetUser() == "" {
		return nil, status.Error(codes.InvalidArgument, "user is required")
	}
	id := fmt.Sprintf("s%d", s.logins.Add(1))
	s.mu.Lock()
	s.sessions[id] = req.GetUser()
	s.mu.Unlock()
	return &syncprimsv1.LoginResponse{SessionId: id}, nil
}

// TouchAll records activity on every session concurrently.
func (s *SessionServer) TouchAll(_ context.Context, req *syncprimsv1.TouchAllRequest) (*syncprimsv1.TouchAllResponse, error) {
	ids := req.GetSessionIds()
	// FIX 3: each goroutine writes its own slot of a slice sized up front;
	// appending to one shared slice from many goroutines races on the slice
	// header and loses elements, and the order would be arbitrary.
	counts := make([]int64, len(ids))
	var unknown atomic.Bool
	var wg sync.WaitGroup
	for i, id := range ids {
		// Since Go 1.22 each iteration has its own i and id, so capturing
		// them is safe (before 1.22 every goroutine saw the last one).
		wg.Go(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if _, ok := s.sessions[id]; !ok {
				unknown.Store(true)
				return
			}
			s.activity[id]++
			counts[i] = s.activity[id]
		})
	}
	wg.Wait()
	if unknown.Load() {
		return nil, status.Error(codes.NotFound, "unknown session in request")
	}
	return &syncprimsv1.TouchAllResponse{Counts: counts}, nil
}

// Resolve looks the session's user up in the directory, giving up when the
// caller does.
func (s *SessionServer) Resolve(ctx context.Context, req *syncprimsv1.ResolveRequest) (*syncprimsv1.ResolveResponse, error) {
	s.mu.Lock()
	user, ok := s.sessions[req.GetSessionId()]
	s.mu.Unlock()
	if !ok {
		return nil, status.Errorf(codes.NotFound, "session %q not found", req.GetSessionId())
	}

	type result struct {
		name string
		err  error
	}
	// FIX 4: a buffer of one. When the caller goes away we return without
	// receiving; with an unbuffered channel the lookup goroutine would then
	// block on its send forever (a goroutine leak per cancelled call). With
	// room for one result, the send always completes and the goroutine ends.
	ch := make(chan result, 1)
	go func() {
		name, err := s.dir(ctx, user)
		ch <- result{name, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, status.Errorf(codes.Unavailable, "directory: %v", r.err)
		}
		return &syncprimsv1.ResolveResponse{DisplayName: r.name}, nil
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	}
}

// Count reports the number of logins.
func (s *SessionServer) Count(context.Context, *syncprimsv1.CountRequest) (*syncprimsv1.CountResponse, error) {
	return &syncprimsv1.CountResponse{Logins: s.logins.Load()}, nil
}
