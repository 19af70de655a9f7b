// Package exercise is your copy of the userservice lab. Edit this file and
// client.go until `go test` here is green; README.md walks you through it.
package exercise

import (
	"context"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Server answers UserService calls from an in-memory store.
type Server struct {
	// Embedding gives every method added to the .proto later a default
	// answer (codes.Unimplemented) instead of a compile error.
	userv1.UnimplementedUserServiceServer

	users map[string]*userv1.GetUserResponse // read-only after NewServer
}

// NewServer returns a server that knows users, keyed by user id.
//
// Step 1: the server must not share memory with its caller. Is storing the
// caller's map enough? The test "store_is_private" will tell you.
func NewServer(users map[string]*userv1.GetUserResponse) *Server {
	return &Server{users: users}
}

// GetUser implements userv1.UserServiceServer. It is given: it checks the
// request in the order a handler should, and calls the function each step
// writes.
func (s *Server) GetUser(ctx context.Context, req *userv1.GetUserRequest) (*userv1.GetUserResponse, error) {
	// A caller that already gave up gets no work done for it.
	if err := ctx.Err(); err != nil {
		return nil, contextError(err)
	}
	id := req.GetUserId()
	if id == "" {
		return nil, missingIDError()
	}
	u, err := s.lookup(id)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, notFoundError(id)
	}
	return u, nil
}

// lookup returns the stored user with this id, or nil when there is none.
//
// Step 1: return the stored user, and keep the store private.
func (s *Server) lookup(id string) (*userv1.GetUserResponse, error) {
	return nil, labkit.TODO("Server.lookup")
}

// missingIDError is the answer to a request without a user_id.
//
// Step 2: it is the caller's mistake. Which status code says so?
func missingIDError() error {
	return labkit.TODO("missingIDError")
}

// notFoundError is the answer for an id that is not stored.
//
// Step 2: which code, and a message that names the id.
func notFoundError(id string) error {
	return labkit.TODO("notFoundError")
}

// contextError is the answer to a caller whose context already ended: err
// is ctx.Err(), context.Canceled or context.DeadlineExceeded.
//
// Step 3: turn it into the matching status.
func contextError(err error) error {
	return labkit.TODO("contextError")
}
