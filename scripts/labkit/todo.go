package labkit

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrTODO is the TODO signal: the piece of the exercise that produced it is
// not written yet. Test it with errors.Is, or with [IsTODO] after a gRPC hop.
var ErrTODO = errors.New("TODO")

// ModeEnv is the environment variable that selects how a TODO is reported.
// The runner sets LAB_TODO=skip for `verify`; anything else means fail.
const ModeEnv = "LAB_TODO"

// TODO returns the TODO signal for an unwritten piece, e.g.
//
//	return nil, labkit.TODO("Server.GetUser")
//
// The error wraps [ErrTODO] and also carries a gRPC status
// (codes.Unimplemented), so a gRPC handler can return it as is and the
// client still recognises it.
func TODO(what string) error { return &todoError{what: what} }

type todoError struct{ what string }

func (e *todoError) Error() string { return "TODO: implement " + e.what }
func (e *todoError) Unwrap() error { return ErrTODO }

// GRPCStatus lets grpc-go send the TODO signal as codes.Unimplemented with
// our message, instead of codes.Unknown.
func (e *todoError) GRPCStatus() *status.Status {
	return status.New(codes.Unimplemented, e.Error())
}

// IsTODO reports whether err is the TODO signal, locally or after a gRPC
// hop. A method still served by the generated Unimplemented<Svc>Server
// ("method X not implemented") counts too: the learner has not written it.
// Other Unimplemented statuses do not, so a lab may use that code for real.
func IsTODO(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrTODO) {
		return true
	}
	s, ok := status.FromError(err)
	if !ok || s.Code() != codes.Unimplemented {
		return false
	}
	msg := s.Message()
	return strings.HasPrefix(msg, "TODO: ") ||
		(strings.HasPrefix(msg, "method ") && strings.HasSuffix(msg, " not implemented"))
}

// what names the unwritten piece, from the error itself when it says so.
func what(err error, fallback string) string {
	msg := err.Error()
	if s, ok := status.FromError(err); ok {
		msg = s.Message()
	}
	if i := strings.Index(msg, "TODO: implement "); i >= 0 {
		return strings.TrimSpace(msg[i+len("TODO: implement "):])
	}
	return fallback
}

// Step names one numbered step of a lab README, e.g.
// Step{Lab: "ch01-overview/userservice", N: 2, What: "Server.GetUser"}.
// What is used when the error does not say what to implement.
type Step struct {
	Lab  string
	N    int
	What string
}

// Message is the line a learner reads: what to implement and where.
func (s Step) Message(err error) string {
	return fmt.Sprintf("TODO: implement %s (%s/README.md, step %d)", what(err, s.What), s.Lab, s.N)
}

// Check stops the test when err is the TODO signal: a failure that names the
// step, or a skip in CI mode (LAB_TODO=skip). Any other error is returned
// unchanged for the caller's own assertions.
func (s Step) Check(t testing.TB, err error) error {
	t.Helper()
	if IsTODO(err) {
		s.stop(t, err)
	}
	return err
}

// Require is Check for calls that must succeed: a TODO stops the test as in
// Check, and any other error fails it.
func (s Step) Require(t testing.TB, err error) {
	t.Helper()
	if s.Check(t, err) != nil {
		t.Fatalf("step %d: unexpected error: %v", s.N, err)
	}
}

func (s Step) stop(t testing.TB, err error) {
	t.Helper()
	if SkipTODO() {
		t.Skip(s.Message(err))
	}
	t.Fatal(s.Message(err))
}

// SkipTODO reports whether a TODO is a skip (CI mode) rather than a failure.
func SkipTODO() bool { return os.Getenv(ModeEnv) == "skip" }
