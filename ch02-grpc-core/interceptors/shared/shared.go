// Package shared is the vocabulary that the exercise, the solution, the
// suite and the demo have in common: who the caller is, the request id, and
// the shape of a metrics snapshot. It is given, not part of the lab: the
// interceptors you write put these values into contexts and read them back.
package shared

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"google.golang.org/grpc/codes"
)

// Identity is who a bearer token belongs to, as the auth interceptor puts
// it in the context for handlers.
type Identity struct {
	Subject string // e.g. "alice"
	Role    string // e.g. "admin", "reader"
}

type identityKey struct{}

// ContextWithIdentity returns ctx carrying id.
func ContextWithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// IdentityFrom returns the identity the auth interceptor found, if any.
func IdentityFrom(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}

// RequestIDHeader is the metadata key that carries the request id from the
// client to the server (gRPC metadata keys are lower case).
const RequestIDHeader = "x-request-id"

type requestIDKey struct{}

// ContextWithRequestID returns ctx carrying the request id.
func ContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request id the server's logging interceptor
// chose for this call, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// NewRequestID returns a fresh random id: 16 hex digits.
func NewRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// MaxRequestIDLen bounds a request id taken from a client.
const MaxRequestIDLen = 64

// ValidRequestID reports whether a request id sent by a client may be used
// as is: 1 to 64 characters from [A-Za-z0-9._-]. Anything else is replaced
// by the server, because the id ends up in every log line and a client must
// not be able to write arbitrary bytes (newlines, escapes, megabytes) there.
func ValidRequestID(s string) bool {
	if len(s) == 0 || len(s) > MaxRequestIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// Clock returns the current time. Interceptors that measure take one so
// tests can drive time by hand; nil means time.Now.
type Clock func() time.Time

// Now calls c, or time.Now when c is nil.
func (c Clock) Now() time.Time {
	if c == nil {
		return time.Now()
	}
	return c()
}

// DefaultBuckets are latency histogram bounds in seconds, the same defaults
// as the Prometheus client libraries.
var DefaultBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Snapshot is a copy of the metrics at one moment.
type Snapshot struct {
	// Bounds are the histogram's upper bounds in seconds, ascending; the
	// implicit last bucket is +Inf.
	Bounds []float64
	// Series holds one entry per (method, code) seen, sorted by Method and
	// then by Code.
	Series []Series
}

// Series is what was measured for one full method and status code.
type Series struct {
	Method string     // full method, e.g. "/interceptors.v1.NoteService/GetNote"
	Code   codes.Code // the status code the call ended with
	Count  uint64     // number of calls
	Sum    float64    // total latency in seconds
	// Buckets[i] counts the calls that took at most Bounds[i] seconds:
	// cumulative, as Prometheus buckets are. The +Inf bucket is Count.
	Buckets []uint64
}

// Find returns the series for method and code, if there is one.
func (s Snapshot) Find(method string, code codes.Code) (Series, bool) {
	for _, x := range s.Series {
		if x.Method == method && x.Code == code {
			return x, true
		}
	}
	return Series{}, false
}
