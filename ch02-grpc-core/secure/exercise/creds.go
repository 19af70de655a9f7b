package exercise

import (
	"context"

	"github.com/grpclabs/labs/scripts/labkit"
)

// BearerToken is a per-RPC credential: it adds "authorization: Bearer
// <token>" to every call made with it.
type BearerToken struct {
	Token string
}

// GetRequestMetadata implements credentials.PerRPCCredentials.
//
// Step 4.
func (b BearerToken) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	return nil, labkit.TODO("BearerToken.GetRequestMetadata")
}

// RequireTransportSecurity implements credentials.PerRPCCredentials.
//
// Step 4: should a bearer token travel over plaintext?
func (BearerToken) RequireTransportSecurity() bool { return false }
