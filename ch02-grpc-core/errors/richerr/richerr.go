// Package richerr holds the types and names the errors lab shares between
// the exercise, the solution and the suite: a gRPC error as a plain Go
// value, the retry policy, and the strings both sides of a call agree on.
// It is scaffolding: the lab's work is in exercise/.
package richerr

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
)

// The strings a client may branch on. Reasons are part of the API: once
// published they never change meaning, so callers can switch on them.
const (
	Domain              = "users.grpclabs.dev"
	ReasonUserNotFound  = "USER_NOT_FOUND"
	ReasonInvalidUserID = "INVALID_USER_ID"

	// TraceHeader is the gRPC metadata key, and the HTTP header, that
	// carries the trace id from hop to hop.
	TraceHeader = "x-trace-id"

	// PushbackTrailer is the trailer in which a server tells a retrying
	// client how many milliseconds to wait (gRPC's retry design, A6). A
	// value that is not one non-negative integer means "do not retry".
	PushbackTrailer = "grpc-retry-pushback-ms"
)

// FieldViolation says which request field was wrong and why.
type FieldViolation struct {
	Field       string
	Description string
}

// ErrorDetails is a gRPC error as a plain Go value: the code and message
// every status has, plus what the google.rpc detail messages carry.
// Zero fields mean "no such detail".
type ErrorDetails struct {
	Code    codes.Code
	Message string

	// From errdetails.ErrorInfo: a stable UPPER_SNAKE reason
	// (USER_NOT_FOUND), the domain that defines it, and facts about it.
	Reason   string
	Domain   string
	Metadata map[string]string

	// From errdetails.BadRequest.
	Violations []FieldViolation

	// From errdetails.RetryInfo: how long the server asks the caller to wait.
	RetryDelay time.Duration

	// From errdetails.RequestInfo.request_id: the trace id of the failed call.
	TraceID string
}

// Envelope is the JSON body of every error the gateway returns.
type Envelope struct {
	// Code is the ErrorInfo reason when the backend gave one, else the
	// google.rpc.Code name (NOT_FOUND, UNAVAILABLE, ...).
	Code      string `json:"code"`
	Message   string `json:"message"`
	Timestamp string `json:"timestamp"` // RFC 3339, UTC
	TraceID   string `json:"traceId"`
}

// RetryPolicy says when and how often a retry interceptor tries again.
type RetryPolicy struct {
	// MaxAttempts counts every attempt, the first included; below 1 means 1.
	MaxAttempts int
	// The n-th retry without pushback waits
	// min(InitialBackoff·Multiplier^(n-1), MaxBackoff) times a random factor
	// in [0.8, 1.2), the same jitter grpc-go's own retry uses. A pushback
	// from the server restarts the exponent at n = 1.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	Multiplier     float64
	// RetryableCodes are retried; nil means just Unavailable. Whatever the
	// list says, ResourceExhausted is also retried when the server sends a
	// pushback: then it has said when to come back.
	RetryableCodes []codes.Code
	// Rand returns a number in [0, 1) for the jitter; nil means math/rand/v2.
	Rand func() float64
}

// DefaultRetryPolicy tries once plus at most three retries (the source
// text's "5xx: retry at most 3 times"), about 100 ms, 200 ms and 400 ms apart.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts:    4,
		InitialBackoff: 100 * time.Millisecond,
		MaxBackoff:     2 * time.Second,
		Multiplier:     2,
		RetryableCodes: []codes.Code{codes.Unavailable},
	}
}

// IncomingTraceID is the trace id the caller sent in gRPC metadata, or ""
// when it sent none or one [ValidTraceID] refuses.
func IncomingTraceID(ctx context.Context) string {
	if v := metadata.ValueFromIncomingContext(ctx, TraceHeader); len(v) > 0 && ValidTraceID(v[0]) {
		return v[0]
	}
	return ""
}

// MaxTraceIDLen bounds a trace id taken from a caller.
const MaxTraceIDLen = 64

// ValidTraceID reports whether a trace id sent by a caller may be used as
// is: 1 to 64 characters from [A-Za-z0-9._-], the rule the interceptors
// lab applies to request ids. The id is echoed in a response header, put
// in error details and written to logs, so a caller must not be able to
// put arbitrary bytes (newlines, escapes, kilobytes) there. The gateway
// replaces a refused id with a fresh one, as it does a missing one.
func ValidTraceID(s string) bool {
	if len(s) == 0 || len(s) > MaxTraceIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
