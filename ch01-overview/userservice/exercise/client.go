package exercise

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc/status"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// GetUser fetches one user through c, giving the call at most timeout
// (0 means only the caller's own deadline, if any). A failure is a *CallError.
//
// Step 4: put the per-call deadline on the context, make the call, and wrap
// any failure in a *CallError.
func GetUser(ctx context.Context, c userv1.UserServiceClient, id string, timeout time.Duration) (*userv1.GetUserResponse, error) {
	return nil, labkit.TODO("GetUser (the client)")
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

// Is reports whether the failure is target. Step 4: which gRPC codes mean
// context.DeadlineExceeded and context.Canceled?
func (e *CallError) Is(target error) bool {
	return false
}
