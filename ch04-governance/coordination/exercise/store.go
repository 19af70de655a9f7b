package exercise

import (
	"context"
	"sync"

	storagev1 "github.com/grpclabs/labs/ch04-governance/gen/storage/v1"
	"github.com/grpclabs/labs/scripts/labkit"
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
	// Step 4: InvalidArgument for an empty key or a token <= 0;
	// FailedPrecondition for a token older than the one stored for the
	// key; otherwise store value and token. Check and store under s.mu.
	return nil, labkit.TODO("Store.Write")
}

// Read returns the value under key and the token that wrote it.
func (s *Store) Read(_ context.Context, req *storagev1.ReadRequest) (*storagev1.ReadResponse, error) {
	// Step 4: the value and token under key, or NotFound.
	return nil, labkit.TODO("Store.Read")
}
