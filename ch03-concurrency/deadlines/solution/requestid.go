// Package solution is the reference for the deadlines lab (chapter 3.2,
// Context包): request-scoped values that cross gRPC hops, deadline budgets
// with a reserve per hop, a cancellation cascade, and an audit write that
// outlives its request.
package solution

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// requestIDKey is the context key for the request id. It is an unexported
// type, so no other package can build an equal key: a
// context.WithValue(ctx, "requestID", ...) elsewhere can never collide with
// or overwrite ours, and the only way in or out is the two functions below.
type requestIDKey struct{}

// WithRequestID returns a copy of ctx that carries id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the id WithRequestID stored in ctx, if any.
func RequestID(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(requestIDKey{}).(string)
	return id, ok && id != ""
}

// RequestIDHeader is the metadata key the id travels in between hops.
// gRPC metadata keys are lower case; an "x-" prefix marks it as ours.
const RequestIDHeader = "x-request-id"

// UnaryClientInterceptor copies the request id from the call's context
// into its outgoing metadata. Context values stay in this process; only
// metadata crosses the wire.
func UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if id, ok := RequestID(ctx); ok {
			ctx = metadata.AppendToOutgoingContext(ctx, RequestIDHeader, id)
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

// UnaryServerInterceptor puts the incoming request id into the handler's
// context. A request without one (or with one that is not a well-formed id:
// the header is untrusted input that ends up in logs) gets a fresh id, so
// every request can be followed from here on.
func UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		var id string
		if v := metadata.ValueFromIncomingContext(ctx, RequestIDHeader); len(v) > 0 && ValidRequestID(v[0]) {
			id = v[0]
		} else {
			id = newRequestID()
		}
		return handler(WithRequestID(ctx, id), req)
	}
}

// ValidRequestID reports whether id is safe to carry and log: 1 to 64
// characters from [A-Za-z0-9._:-]. No spaces, no newlines (log injection),
// no unbounded length.
func ValidRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "req-" + hex.EncodeToString(b[:])
}
