// Package exercise is your copy of the deadlines lab (chapter 3.2,
// Context包). Edit the files here until `go test` in this folder is green;
// ../README.md walks you through it, one step at a time.
package exercise

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"google.golang.org/grpc"

	"github.com/grpclabs/labs/scripts/labkit"
)

// Step 1: the request id.
//
// The source text stores it with context.WithValue(ctx, "requestID", id).
// Any package can build the key "requestID", so any package can read or
// overwrite the value by accident. Define an unexported key type instead.

// WithRequestID returns a copy of ctx that carries id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return ctx // TODO (step 1)
}

// RequestID returns the id WithRequestID stored in ctx, if any.
func RequestID(ctx context.Context) (string, bool) {
	return "", false // TODO (step 1)
}

// RequestIDHeader is the metadata key the id travels in between hops.
const RequestIDHeader = "x-request-id"

// UnaryClientInterceptor copies the request id from the call's context
// into its outgoing metadata. Context values stay in this process; only
// metadata crosses the wire.
func UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return labkit.TODO("UnaryClientInterceptor")
	}
}

// UnaryServerInterceptor puts the incoming request id into the handler's
// context. A request without one, or with one that ValidRequestID rejects
// (the header is untrusted input that ends up in logs), gets a fresh id
// from newRequestID.
func UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return nil, labkit.TODO("UnaryServerInterceptor")
	}
}

// ValidRequestID reports whether id is safe to carry and log: 1 to 64
// characters from [A-Za-z0-9._:-].
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
