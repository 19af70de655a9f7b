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

// GetUser implements userv1.UserServiceServer.
func (s *Server) GetUser(ctx context.Context, req *userv1.GetUserRequest) (*userv1.GetUserResponse, error) {
	// A caller that already gave up gets no work done for it. Over the
	// network grpc-go cancels ctx for us; the check matters for in-process
	// callers and for handlers that do slow work before answering.
	if err := ctx.Err(); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	id := req.GetUserId()
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "user_id is required")
	}
	u, ok := s.users[id]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "user %q not found", id)
	}
	// Hand out a copy: an in-process caller (or an interceptor) that edits
	// the response must not edit the store.
	return proto.Clone(u).(*userv1.GetUserResponse), nil
}

// compile-time check that Server is a complete UserServiceServer.
var _ userv1.UserServiceServer = (*Server)(nil)
