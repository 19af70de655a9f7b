package solution

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
)

// GetUser fetches one user through c, giving the call at most timeout
// (0 means only the caller's own deadline, if any). A failure is a *CallError.
func GetUser(ctx context.Context, c userv1.UserServiceClient, id string, timeout time.Duration) (*userv1.GetUserResponse, error) {
	if timeout > 0 {
		// The deadline travels to the server in the grpc-timeout header, so
		// the server stops working for us when we stop waiting. A shorter
		// deadline already on ctx still wins.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	resp, err := c.GetUser(ctx, &userv1.GetUserRequest{UserId: id})
	if err != nil {
		return nil, &CallError{UserID: id, Status: status.Convert(err)}
	}
	return resp, nil
}

// CallError is a failed GetUser call. It keeps the gRPC status, so
// status.Code(err) works through it, and it answers errors.Is for the
// context errors, so a caller can tell "too slow" from "not there".
type CallError struct {
	UserID string
	Status *status.Status
}

func (e *CallError) Error() string {
	return fmt.Sprintf("get user %q: %s: %s", e.UserID, e.Status.Code(), e.Status.Message())
}

// GRPCStatus lets status.FromError and status.Code see the status.
func (e *CallError) GRPCStatus() *status.Status { return e.Status }

// Is maps the two codes that mean "the caller's context ended" onto the
// context package's errors.
func (e *CallError) Is(target error) bool {
	switch e.Status.Code() {
	case codes.DeadlineExceeded:
		return target == context.DeadlineExceeded
	case codes.Canceled:
		return target == context.Canceled
	}
	return false
}
