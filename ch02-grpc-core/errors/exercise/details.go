// Package exercise is your copy of the errors lab (2.5 错误处理与状态码在跨服务调用中的最佳实践).
// Edit the files here until `go test` in this folder is green; README.md
// walks you through the steps. The shared types (ErrorDetails,
// RetryPolicy, the header names) are in ../richerr.
package exercise

import (
	"google.golang.org/grpc/codes"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/richerr"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Build turns d into a status error with one google.rpc detail message per
// kind of information present, in this order:
//
//   - errdetails.ErrorInfo   when d.Reason is set (with Domain and Metadata)
//   - errdetails.BadRequest  when d.Violations is not empty
//   - errdetails.RetryInfo   when d.RetryDelay > 0
//   - errdetails.RequestInfo when d.TraceID is set (as request_id)
//
// Code OK gives nil, as status.Error does.
//
// Step 1.
func Build(d richerr.ErrorDetails) error {
	return labkit.TODO("Build")
}

// Parse is Build's inverse, for any error a gRPC call returns. nil parses
// to Code OK; an error without a status to Unknown with err.Error() as the
// message. Detail kinds it does not know are ignored, the first detail of a
// kind wins, and a negative retry delay counts as none: the bytes came over
// the network, so nothing in them may make Parse fail or panic.
//
// Step 3.
func Parse(err error) richerr.ErrorDetails {
	// The TODO signal, in the only shape a struct can carry it.
	return richerr.ErrorDetails{Code: codes.Unimplemented, Message: labkit.TODO("Parse").Error()}
}
