package solution

import (
	"context"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/richerr"
	errlabv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/errlab/v1"
)

// Server answers UserService calls from an in-memory store.
type Server struct {
	errlabv1.UnimplementedUserServiceServer
	users map[string]*errlabv1.User // read-only after NewServer
}

// NewServer stores private copies of users, keyed by user_id.
func NewServer(users []*errlabv1.User) *Server {
	s := &Server{users: make(map[string]*errlabv1.User, len(users))}
	for _, u := range users {
		s.users[u.GetUserId()] = proto.CloneOf(u)
	}
	return s
}

// GetUser implements errlabv1.UserServiceServer. Every error names its
// reason and carries the caller's trace id, so the failure can be found in
// logs from either side.
func (s *Server) GetUser(ctx context.Context, req *errlabv1.GetUserRequest) (*errlabv1.GetUserResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	trace := richerr.IncomingTraceID(ctx)
	id := req.GetUserId()
	if problem := validateUserID(id); problem != "" {
		return nil, Build(richerr.ErrorDetails{
			Code:       codes.InvalidArgument,
			Message:    "invalid user_id: " + problem,
			Reason:     richerr.ReasonInvalidUserID,
			Domain:     richerr.Domain,
			Violations: []richerr.FieldViolation{{Field: "user_id", Description: problem}},
			TraceID:    trace,
		})
	}
	u, ok := s.users[id]
	if !ok {
		return nil, Build(richerr.ErrorDetails{
			Code:     codes.NotFound,
			Message:  fmt.Sprintf("user %q not found", id),
			Reason:   richerr.ReasonUserNotFound,
			Domain:   richerr.Domain,
			Metadata: map[string]string{"user_id": id},
			TraceID:  trace,
		})
	}
	return &errlabv1.GetUserResponse{User: proto.CloneOf(u)}, nil
}

// validateUserID says what is wrong with id, or "" when it is fine.
func validateUserID(id string) string {
	if id == "" {
		return "must not be empty"
	}
	if len(id) > 32 {
		return "must be at most 32 characters"
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return "may contain only a-z, 0-9 and '-'"
		}
	}
	return ""
}
