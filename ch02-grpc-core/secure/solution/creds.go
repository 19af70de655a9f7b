package solution

import (
	"context"

	"google.golang.org/grpc/credentials"
)

// BearerToken is a per-RPC credential: it adds "authorization: Bearer
// <token>" to every call made with it.
type BearerToken struct {
	Token string
}

// GetRequestMetadata implements credentials.PerRPCCredentials. It runs
// before each call; a real one would refresh an expiring token here.
func (b BearerToken) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	// A credential may check the connection it is about to ride on:
	// RequireTransportSecurity makes grpc refuse insecure ones, and this
	// check is the same rule for callers who bypass grpc's (none do today).
	if ri, ok := credentials.RequestInfoFromContext(ctx); ok {
		if err := credentials.CheckSecurityLevel(ri.AuthInfo, credentials.PrivacyAndIntegrity); err != nil {
			return nil, err
		}
	}
	return map[string]string{"authorization": "Bearer " + b.Token}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials: a
// bearer token is a password, so it never travels without TLS.
func (BearerToken) RequireTransportSecurity() bool { return true }
