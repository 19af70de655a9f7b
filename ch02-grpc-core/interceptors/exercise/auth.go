package exercise

import (
	"context"
	"crypto/sha256"

	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Auth checks bearer tokens (authentication) and a per-method role policy
// (authorization), and hands the caller's identity to the handler.
type Auth struct {
	tokens []tokenEntry
	policy map[string]map[string]bool // full method → roles allowed
}

type tokenEntry struct {
	hash [sha256.Size]byte // sha256 of the token
	id   shared.Identity
}

// NewAuth builds an Auth from token → identity and full method → roles.
// A method missing from the policy is denied to everyone. The maps are
// copied; only the tokens' SHA-256 hashes are kept (README.md, step 3,
// says why).
func NewAuth(tokens map[string]shared.Identity, policy map[string][]string) *Auth {
	a := &Auth{policy: make(map[string]map[string]bool, len(policy))}
	for tok, id := range tokens {
		a.tokens = append(a.tokens, tokenEntry{hash: sha256.Sum256([]byte(tok)), id: id})
	}
	for method, roles := range policy {
		set := make(map[string]bool, len(roles))
		for _, r := range roles {
			set[r] = true
		}
		a.policy[method] = set
	}
	return a
}

// Unary authenticates and authorizes a unary call before its handler runs.
//
// Step 3. Read "authorization: Bearer <token>" from the incoming metadata.
// Missing, malformed, more than one value, or an unknown token:
// Unauthenticated. Known, but the role may not call info.FullMethod:
// PermissionDenied. Otherwise call the handler with
// shared.ContextWithIdentity. Compare tokens with crypto/subtle, never
// with == or a map lookup, and never repeat the token in an error.
func (a *Auth) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return nil, labkit.TODO("Auth.Unary")
	}
}

// Stream does the same for streams; the identity reaches the handler
// through a wrapped stream's Context().
func (a *Auth) Stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return labkit.TODO("Auth.Stream")
	}
}
