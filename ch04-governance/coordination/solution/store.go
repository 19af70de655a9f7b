package solution

import (
	"context"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	storagev1 "github.com/grpclabs/labs/ch04-governance/gen/storage/v1"
)

// Store is a storage service that checks fencing tokens: a write must
// carry a token at least as new as the newest it has accepted for that
// key. A lock holder that paused past its lease (a GC pause, a stalled
// VM) and wakes up still believing it holds the lock carries an older
// token than its successor, so its write is refused: the one check that
// does not depend on the writer knowing it lost the lock.
type Store struct {
	storagev1.UnimplementedStorageServer
	mu   sync.Mutex
	data map[string]*storagev1.ReadResponse
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{data: map[string]*storagev1.ReadResponse{}} }

// Write stores the value if its token is not older than the key's.
func (s *Store) Write(_ context.Context, req *storagev1.WriteRequest) (*storagev1.WriteResponse, error) {
	if req.GetKey() == "" {
		return nil, status.Error(codes.InvalidArgument, "key is required")
	}
	if req.GetFencingToken() <= 0 {
		return nil, status.Error(codes.InvalidArgument, "a fencing token (the lock's revision, > 0) is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// The check and the write are one critical section: two writers must
	// not both pass the check against the same old token.
	if cur, ok := s.data[req.GetKey()]; ok && req.GetFencingToken() < cur.GetFencingToken() {
		return nil, status.Errorf(codes.FailedPrecondition, "stale fencing token %d: %s was written with token %d by a newer lock holder",
			req.GetFencingToken(), req.GetKey(), cur.GetFencingToken())
	}
	s.data[req.GetKey()] = &storagev1.ReadResponse{Value: req.GetValue(), FencingToken: req.GetFencingToken()}
	return &storagev1.WriteResponse{}, nil
}

// Read returns the value under key and the token that wrote it.
func (s *Store) Read(_ context.Context, req *storagev1.ReadRequest) (*storagev1.ReadResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.data[req.GetKey()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "%s was never written", req.GetKey())
	}
	return &storagev1.ReadResponse{Value: cur.GetValue(), FencingToken: cur.GetFencingToken()}, nil
}
