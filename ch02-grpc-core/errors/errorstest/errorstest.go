// Package errorstest is the errors lab's suite. The exercise and the
// solution both run it through their one-screen *_test.go files, so every
// assertion is written once.
package errorstest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/richerr"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch02-grpc-core/errors"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "Build"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "Server.GetUser"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "Parse"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "HTTPStatus"}
	step5 = labkit.Step{Lab: lab, N: 5, What: "Gateway.writeError"}
	step6 = labkit.Step{Lab: lab, N: 6, What: "RetryInterceptor"}
	step7 = labkit.Step{Lab: lab, N: 7, What: "serverPushback and pastDeadline"}
)

// The lab's functions, as the suite receives them.
type (
	BuildFunc      func(richerr.ErrorDetails) error
	ParseFunc      func(error) richerr.ErrorDetails
	HTTPStatusFunc func(codes.Code) int
)

// details splits a status's detail messages by kind, read with grpc's own
// status.Details so the suite does not trust the learner's Parse.
type details struct {
	all  []any
	info *errdetails.ErrorInfo
	bad  *errdetails.BadRequest
	rty  *errdetails.RetryInfo
	req  *errdetails.RequestInfo
}

func detailsOf(err error) details {
	var d details
	st, _ := status.FromError(err)
	d.all = st.Details()
	for _, m := range d.all {
		switch m := m.(type) {
		case *errdetails.ErrorInfo:
			d.info = m
		case *errdetails.BadRequest:
			d.bad = m
		case *errdetails.RetryInfo:
			d.rty = m
		case *errdetails.RequestInfo:
			d.req = m
		}
	}
	return d
}

// statusWith builds a status error with raw detail messages, independently
// of the learner's Build.
func statusWith(t testing.TB, c codes.Code, msg string, ds ...protoadapt.MessageV1) error {
	t.Helper()
	st, err := status.New(c, msg).WithDetails(ds...)
	if err != nil {
		t.Fatalf("WithDetails: %v", err)
	}
	return st.Err()
}

// todoIn turns a Parse result that is the exercise's TODO signal back into
// the error, so the step can report it.
func todoIn(d richerr.ErrorDetails) error {
	if err := status.Error(d.Code, d.Message); labkit.IsTODO(err) {
		return err
	}
	return nil
}

func protoEqual(a, b any) bool {
	am, ok1 := a.(proto.Message)
	bm, ok2 := b.(proto.Message)
	return ok1 && ok2 && proto.Equal(am, bm)
}

func describe(ds []any) string {
	var parts []string
	for _, d := range ds {
		if m, ok := d.(proto.Message); ok {
			parts = append(parts, fmt.Sprintf("%s{%v}", m.ProtoReflect().Descriptor().Name(), m))
		} else {
			parts = append(parts, fmt.Sprint(d))
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// normal makes nil and empty maps and slices compare equal.
func normal(d richerr.ErrorDetails) richerr.ErrorDetails {
	if len(d.Metadata) == 0 {
		d.Metadata = nil
	}
	if len(d.Violations) == 0 {
		d.Violations = nil
	}
	return d
}

func sameDetails(a, b richerr.ErrorDetails) bool {
	return reflect.DeepEqual(normal(a), normal(b))
}
