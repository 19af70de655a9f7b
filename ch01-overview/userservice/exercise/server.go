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

// GetUser implements userv1.UserServiceServer.
//
//   - Step 1: return the stored user (and keep the store private).
//   - Step 2: an empty user_id is InvalidArgument; an unknown one is NotFound,
//     with a message that names the id.
//   - Step 3: a caller whose context already ended gets Canceled or
//     DeadlineExceeded, and no work is done for it.
func (s *Server) GetUser(ctx context.Context, req *userv1.GetUserRequest) (*userv1.GetUserResponse, error) {
	return nil, labkit.TODO("Server.GetUser")
}
