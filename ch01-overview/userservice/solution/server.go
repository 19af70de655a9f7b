// Package solution is the reference for the userservice lab: a UserService
// server backed by an in-memory map, and a typed client call.
package solution

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
)

// Server answers UserService calls from an in-memory store.
type Server struct {
	// Embedding gives every method added to the .proto later a default
	// answer (codes.Unimplemented) instead of a compile error.
	userv1.UnimplementedUserServiceServer

	users map[string]*userv1.GetUserResponse // read-only after NewServer
}

// NewServer returns a server that knows users, keyed by user id. The users
// are deep-copied: maps.Clone alone would share the *GetUserResponse values,
// and a caller editing one later would edit the server's store.
func NewServer(users map[string]*userv1.GetUserResponse) *Server {
	store := make(map[string]*userv1.GetUserResponse, len(users))
	for id, u := range users {
		store[id] = proto.Clone(u).(*userv1.GetUserResponse)
	}
	return &Server{users: store}
}

// GetUser implements userv1.UserServiceServer: the checks in the order a
// handler should make them, cheapest and most general first.
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
func (s *Server) lookup(id string) (*userv1.GetUserResponse, error) {
	u, ok := s.users[id]
	if !ok {
		return nil, nil
	}
	// Hand out a copy: an in-process caller (or an interceptor) that edits
	// the response must not edit the store.
	return proto.Clone(u).(*userv1.GetUserResponse), nil
}

// missingIDError is the answer to a request without a user_id: the
// caller's mistake, so a retry would not help.
func missingIDError() error {
	return status.Error(codes.InvalidArgument, "user_id is required")
}

// notFoundError is the answer for an id that is not stored. The message
// names the id: a caller reading logs needs it.
func notFoundError(id string) error {
	return status.Errorf(codes.NotFound, "user %q not found", id)
}

// contextError is the answer to a caller whose context already ended.
// Over the network grpc-go cancels ctx for us; the check matters for
// in-process callers and for handlers that do slow work before answering.
// FromContextError maps context.Canceled to Canceled and
// context.DeadlineExceeded to DeadlineExceeded.
func contextError(err error) error {
	return status.FromContextError(err).Err()
}

// compile-time check that Server is a complete UserServiceServer.
var _ userv1.UserServiceServer = (*Server)(nil)
