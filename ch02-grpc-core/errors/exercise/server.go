package exercise

import (
	"context"

	"google.golang.org/protobuf/proto"

	errlabv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/errlab/v1"
	"github.com/grpclabs/labs/scripts/labkit"
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

// GetUser implements errlabv1.UserServiceServer.
//
// Step 2. Build every error with your Build, and put the caller's trace id
// (richerr.IncomingTraceID(ctx)) in it:
//
//   - a malformed user_id (validateUserID says why): InvalidArgument, reason
//     richerr.ReasonInvalidUserID, domain richerr.Domain, and one field
//     violation for "user_id";
//   - an unknown user_id: NotFound, a message naming the id, reason
//     richerr.ReasonUserNotFound, domain richerr.Domain, metadata user_id=<id>;
//   - a context that already ended: Canceled or DeadlineExceeded.
func (s *Server) GetUser(ctx context.Context, req *errlabv1.GetUserRequest) (*errlabv1.GetUserResponse, error) {
	return nil, labkit.TODO("Server.GetUser")
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
