package solution

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
)

// Auth checks bearer tokens (authentication) and a per-method role policy
// (authorization), and hands the caller's identity to the handler.
type Auth struct {
	tokens []tokenEntry
	policy map[string]map[string]bool // full method → roles allowed
}

type tokenEntry struct {
	hash [sha256.Size]byte
	id   shared.Identity
}

// NewAuth builds an Auth from token → identity and full method → roles.
// A method missing from the policy is denied to everyone: forgetting to
// list a new method must close it, not open it. The maps are copied.
func NewAuth(tokens map[string]shared.Identity, policy map[string][]string) *Auth {
	a := &Auth{policy: make(map[string]map[string]bool, len(policy))}
	for tok, id := range tokens {
		// Keep only hashes: every stored value has the same length, so the
		// comparison below cannot leak a token's length, and a memory dump
		// does not hold the tokens themselves.
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
func (a *Auth) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := a.authorize(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// Stream does the same for streams; the identity reaches the handler
// through a wrapped stream's Context().
func (a *Auth) Stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := a.authorize(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, withContext(ss, ctx))
	}
}

// authorize returns ctx with the caller's identity, or the status to send.
func (a *Auth) authorize(ctx context.Context, method string) (context.Context, error) {
	id, err := a.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	if !a.policy[method][id.Role] {
		// Authenticated but not allowed: PermissionDenied, not
		// Unauthenticated, so the client knows a new token will not help.
		return nil, status.Errorf(codes.PermissionDenied, "role %q may not call %s", id.Role, method)
	}
	return shared.ContextWithIdentity(ctx, id), nil
}

// authenticate reads "authorization: Bearer <token>". Error messages never
// repeat the token: they end up in client logs.
func (a *Auth) authenticate(ctx context.Context) (shared.Identity, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get("authorization")
	switch {
	case len(vals) == 0:
		return shared.Identity{}, status.Error(codes.Unauthenticated, "missing authorization metadata")
	case len(vals) > 1:
		// Which one would a proxy in front of us have checked? Refuse to guess.
		return shared.Identity{}, status.Error(codes.Unauthenticated, "more than one authorization value")
	}
	// RFC 6750: "Bearer" 1*SP token. The scheme is case-insensitive
	// (RFC 7235); the token is not.
	scheme, token, ok := strings.Cut(vals[0], " ")
	token = strings.TrimLeft(token, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") || token == "" {
		return shared.Identity{}, status.Error(codes.Unauthenticated, `authorization must be "Bearer <token>"`)
	}
	id, ok := a.lookup(token)
	if !ok {
		return shared.Identity{}, status.Error(codes.Unauthenticated, "invalid token")
	}
	return id, nil
}

// lookup compares the token with every known one in constant time and
// without stopping early. A map lookup or == returns sooner the earlier
// the first differing byte is, and an attacker who can time many requests
// learns a token byte by byte.
func (a *Auth) lookup(token string) (shared.Identity, bool) {
	h := sha256.Sum256([]byte(token))
	var (
		found shared.Identity
		match int
	)
	for _, e := range a.tokens {
		if subtle.ConstantTimeCompare(h[:], e.hash[:]) == 1 {
			found, match = e.id, 1
		}
	}
	return found, match == 1
}
