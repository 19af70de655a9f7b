// Package hashkey carries the key a consistent-hash policy routes a call
// by, from the caller to the balancer's picker: as outgoing metadata,
// which the picker reads from PickInfo.Ctx before the call leaves.
// It is how the source text's "IP hash" works on the client side: the key
// is the client's address, a user id, a session id.
package hashkey

import (
	"context"

	"google.golang.org/grpc/metadata"
)

// Header is the metadata key. It also reaches the server, which can log
// the key a call was routed by.
const Header = "x-hash-key"

// With returns ctx with key as the call's hash key.
func With(ctx context.Context, key string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, Header, key)
}
