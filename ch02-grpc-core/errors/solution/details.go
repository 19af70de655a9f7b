// Package solution is the reference for the errors lab (2.5 错误处理与状态码在跨服务调用中的最佳实践):
// statuses with machine-readable details, a JSON error envelope at an HTTP
// gateway, and a retry interceptor that backs off and listens to the server.
package solution

import (
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/richerr"
)

// Build turns d into a status error with one detail message per kind of
// information present, in a fixed order (ErrorInfo, BadRequest, RetryInfo,
// RequestInfo). Code OK gives nil, as status.Error does.
func Build(d richerr.ErrorDetails) error {
	if d.Code == codes.OK {
		return nil
	}
	st := status.New(d.Code, d.Message)
	var details []protoadapt.MessageV1
	if d.Reason != "" {
		details = append(details, &errdetails.ErrorInfo{Reason: d.Reason, Domain: d.Domain, Metadata: d.Metadata})
	}
	if len(d.Violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range d.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description})
		}
		details = append(details, br)
	}
	if d.RetryDelay > 0 {
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(d.RetryDelay)})
	}
	if d.TraceID != "" {
		details = append(details, &errdetails.RequestInfo{RequestId: d.TraceID})
	}
	if len(details) == 0 {
		return st.Err()
	}
	// WithDetails fails only for Code OK (excluded above) or a message that
	// cannot be marshalled (ours always can); should it ever fail, send the
	// plain status rather than lose the error.
	if withDetails, err := st.WithDetails(details...); err == nil {
		st = withDetails
	}
	return st.Err()
}

// Parse is Build's inverse, for any error a gRPC call returns. nil parses to
// Code OK; an error without a status to Unknown with err.Error() as the
// message. Detail kinds it does not know are ignored, and the first detail
// of a kind wins: the bytes came over the network, so nothing in them may
// make Parse fail or panic.
func Parse(err error) richerr.ErrorDetails {
	if err == nil {
		return richerr.ErrorDetails{Code: codes.OK}
	}
	st := status.Convert(err)
	d := richerr.ErrorDetails{Code: st.Code(), Message: st.Message()}
	var seenInfo, seenBad, seenRetry, seenReq bool
	for _, detail := range st.Details() {
		// Details returns an error value in place of a detail it could not
		// unmarshal (an unknown type, corrupt bytes): the type switch skips it.
		switch m := detail.(type) {
		case *errdetails.ErrorInfo:
			if !seenInfo {
				seenInfo = true
				d.Reason, d.Domain, d.Metadata = m.GetReason(), m.GetDomain(), m.GetMetadata()
			}
		case *errdetails.BadRequest:
			if !seenBad {
				seenBad = true
				for _, v := range m.GetFieldViolations() {
					d.Violations = append(d.Violations, richerr.FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
				}
			}
		case *errdetails.RetryInfo:
			if !seenRetry && m.GetRetryDelay() != nil {
				seenRetry = true
				// AsDuration saturates instead of overflowing; a negative
				// delay is meaningless, so it counts as none.
				d.RetryDelay = max(m.GetRetryDelay().AsDuration(), 0)
			}
		case *errdetails.RequestInfo:
			if !seenReq {
				seenReq = true
				d.TraceID = m.GetRequestId()
			}
		}
	}
	return d
}
