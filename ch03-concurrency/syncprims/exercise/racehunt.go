package exercise

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	syncprimsv1 "github.com/grpclabs/labs/ch03-concurrency/gen/syncprims/v1"
)

// RaceHuntFixed tells the suite that you have fixed the session service
// below. While it is false, TestRaceHunt does not run this code (it would
// take the whole test binary down with it); see step 6 in ../README.md for
// how to watch it fail on purpose with -racehunt.
const RaceHuntFixed = false

// SessionServer hands out sessions and counts activity.
//
// Step 6: it compiles, it passes a quick manual test, and it is wrong: it
// has data races in three places and leaks a goroutine in a fourth. Find
// them with the race detector and goleak, fix them, then set
// RaceHuntFixed = true.
type SessionServer struct {
	syncprimsv1.UnimplementedSessionServiceServer
	dir func(ctx context.Context, user string) (string, error)

	logins   int64
	mu       sync.Mutex        // guards activity
	sessions map[string]string // session id -> user
	activity map[string]int64  // session id -> touches
}

// NewSessionServer returns a session service that resolves display names
// with dir (a slow directory lookup, which may ignore its context).
func NewSessionServer(dir func(ctx context.Context, user string) (string, error)) *SessionServer {
	return &SessionServer{dir: dir, sessions: map[string]string{}, activity: map[string]int64{}}
}

// Login opens a session and returns its id.
func (s *SessionServer) Login(_ context.Context, req *syncprimsv1.LoginRequest) (*syncprimsv1.LoginResponse, error) {
	if req.GetUser() == "" {
		return nil, status.Error(codes.InvalidArgument, "user is required")
	}
	s.logins++
	id := fmt.Sprintf("s%d", s.logins)
	s.sessions[id] = req.GetUser()
	return &syncprimsv1.LoginResponse{SessionId: id}, nil
}

// TouchAll records activity on every session concurrently and returns the
// new counts in request order.
func (s *SessionServer) TouchAll(_ context.Context, req *syncprimsv1.TouchAllRequest) (*syncprimsv1.TouchAllResponse, error) {
	var counts []int64
	var unknown bool
	var wg sync.WaitGroup
	for _, id := range req.GetSessionIds() {
		wg.Go(func() {
			s.mu.Lock()
			_, ok := s.sessions[id]
			if ok {
				s.activity[id]++
			}
			n := s.activity[id]
			s.mu.Unlock()
			if !ok {
				unknown = true
				return
			}
			counts = append(counts, n)
		})
	}
	wg.Wait()
	if unknown {
		return nil, status.Error(codes.NotFound, "unknown session in request")
	}
	return &syncprimsv1.TouchAllResponse{Counts: counts}, nil
}

// Resolve looks the session's user up in the directory, giving up when the
// caller does.
func (s *SessionServer) Resolve(ctx context.Context, req *syncprimsv1.ResolveRequest) (*syncprimsv1.ResolveResponse, error) {
	user, ok := s.sessions[req.GetSessionId()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "session %q not found", req.GetSessionId())
	}

	type result struct {
		name string
		err  error
	}
	ch := make(chan result)
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
	return &syncprimsv1.CountResponse{Logins: s.logins}, nil
}
