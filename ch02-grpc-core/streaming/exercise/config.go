// Package exercise is your copy of the streaming lab: one service per kind
// of gRPC method. Fill in the TODOs until `go test` here is green; README.md
// walks you through the steps. The state the services serve is given, in
// ../backend.
package exercise

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Limits on what a client may send, so one request cannot make the server
// do unbounded work.
const (
	MaxKeyLen   = 128
	MaxValueLen = 4096
)

// ConfigServer serves a configuration store: a unary lookup, a unary write
// and a server-streaming watch.
type ConfigServer struct {
	streamingv1.UnimplementedConfigServiceServer
	store *backend.ConfigStore
}

// NewConfigServer serves store.
func NewConfigServer(store *backend.ConfigStore) *ConfigServer {
	return &ConfigServer{store: store}
}

// checkKey accepts keys like "db/pool_size": 1 to MaxKeyLen bytes of
// segments made of [a-z0-9_.-], separated by single slashes (no empty
// segment: no leading, trailing or double slash). Anything else is an
// InvalidArgument status whose message says what is wrong.
//
// Step 1.
func checkKey(key string) error {
	return labkit.TODO("checkKey")
}

func toProto(e backend.Entry) *streamingv1.ConfigEntry {
	return &streamingv1.ConfigEntry{Key: e.Key, Value: e.Value, Version: e.Version}
}

// GetConfig is the unary lookup. Step 1:
//
//  1. A context that already ended gets Canceled or DeadlineExceeded
//     (status.FromContextError), with no work done.
//  2. Validate the key with checkKey before touching the store.
//  3. s.store.Get: a key that was never set is NotFound, and the message
//     names the key.
//  4. Return the entry (toProto).
func (s *ConfigServer) GetConfig(ctx context.Context, req *streamingv1.GetConfigRequest) (*streamingv1.GetConfigResponse, error) {
	return nil, labkit.TODO("ConfigServer.GetConfig")
}

// SetConfig stores a value. It is given; it needs your checkKey.
func (s *ConfigServer) SetConfig(ctx context.Context, req *streamingv1.SetConfigRequest) (*streamingv1.SetConfigResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	if err := checkKey(req.GetKey()); err != nil {
		return nil, err
	}
	if len(req.GetValue()) > MaxValueLen {
		return nil, status.Errorf(codes.InvalidArgument, "value is %d bytes, at most %d allowed", len(req.GetValue()), MaxValueLen)
	}
	return &streamingv1.SetConfigResponse{Entry: toProto(s.store.Set(req.GetKey(), req.GetValue()))}, nil
}

// WatchConfig pushes the key's current entry, then every change, until the
// client goes away. Step 3:
//
//  1. Validate the key (checkKey).
//  2. s.store.Subscribe(key), and Close the subscription when you return.
//     Subscribe first, then read sub.Latest(): a Set in between is then
//     either in Latest already or signalled on sub.Changed().
//  3. Send the current entry (version 0 if the key was never set).
//  4. Loop: on sub.Changed(), send sub.Latest() unless its version is not
//     newer than the last one sent; on stream.Context().Done(), return the
//     context's status.
//  5. A Send error ends the handler: return it as it is.
func (s *ConfigServer) WatchConfig(req *streamingv1.WatchConfigRequest, stream grpc.ServerStreamingServer[streamingv1.WatchConfigResponse]) error {
	return labkit.TODO("ConfigServer.WatchConfig")
}
