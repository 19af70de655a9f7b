// Package solution is the reference for the streaming lab: one service per
// kind of gRPC method (2.3 gRPC四种服务方法类型). The state they serve lives
// in ../backend; these handlers are the part the lab teaches.
package solution

import (
	"context"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
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
// segments made of [a-z0-9_.-], separated by single slashes. The error is an
// InvalidArgument status that says what is wrong, because the caller has to
// fix the request, and retrying it unchanged can never help.
func checkKey(key string) error {
	if key == "" {
		return status.Error(codes.InvalidArgument, "key is required")
	}
	if len(key) > MaxKeyLen {
		return status.Errorf(codes.InvalidArgument, "key is %d bytes, at most %d allowed", len(key), MaxKeyLen)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" {
			return status.Errorf(codes.InvalidArgument, "key %q has an empty segment (leading, trailing or double slash)", key)
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
				return status.Errorf(codes.InvalidArgument, "key %q: character %q not allowed (use a-z 0-9 _ . - and /)", key, r)
			}
		}
	}
	return nil
}

func toProto(e backend.Entry) *streamingv1.ConfigEntry {
	return &streamingv1.ConfigEntry{Key: e.Key, Value: e.Value, Version: e.Version}
}

// GetConfig is the unary lookup: validate, then answer or say NotFound.
func (s *ConfigServer) GetConfig(ctx context.Context, req *streamingv1.GetConfigRequest) (*streamingv1.GetConfigResponse, error) {
	// A caller that already gave up gets no work done for it.
	if err := ctx.Err(); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	// Validate before touching the store: a malformed key is the caller's
	// mistake (InvalidArgument), which is a different answer from "no such
	// key" (NotFound), and clients branch on the difference.
	if err := checkKey(req.GetKey()); err != nil {
		return nil, err
	}
	e, ok := s.store.Get(req.GetKey())
	if !ok {
		return nil, status.Errorf(codes.NotFound, "config key %q is not set", req.GetKey())
	}
	return &streamingv1.GetConfigResponse{Entry: toProto(e)}, nil
}

// SetConfig stores a value. It is given in the exercise too.
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

// WatchConfig is the server-streaming push that replaces polling: the
// current entry first, then every change, until the client goes away.
func (s *ConfigServer) WatchConfig(req *streamingv1.WatchConfigRequest, stream grpc.ServerStreamingServer[streamingv1.WatchConfigResponse]) error {
	if err := checkKey(req.GetKey()); err != nil {
		return err
	}
	// Subscribe before reading the current value, so a Set that lands in
	// between is not lost: it is either in Latest already or signalled.
	sub := s.store.Subscribe(req.GetKey())
	defer sub.Close() // or the store keeps offering to a watcher that left

	var (
		sentAny bool
		sent    uint64 // the version last sent
	)
	send := func() error {
		e := sub.Latest()
		// A signal may carry an entry we already sent (the Set raced with
		// the first Latest). Versions only grow: never repeat or go back.
		if sentAny && e.Version <= sent {
			return nil
		}
		sentAny, sent = true, e.Version
		return stream.Send(&streamingv1.WatchConfigResponse{Entry: toProto(e)})
	}
	if err := send(); err != nil {
		return err
	}
	ctx := stream.Context()
	for {
		select {
		case <-sub.Changed():
			// The mailbox holds only the newest entry. If this stream is
			// slow (the client reads slowly, Send blocks on flow control),
			// versions written meanwhile are skipped, and the writer and
			// the other watchers never wait for us.
			if err := send(); err != nil {
				return err
			}
		case <-ctx.Done():
			// The client cancelled or hung up: end the handler, so its
			// goroutine and subscription go away with the stream.
			return status.FromContextError(ctx.Err()).Err()
		}
	}
}
