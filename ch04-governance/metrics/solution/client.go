package solution

import (
	"context"
	"errors"
	"io"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
)

// ClientMetrics counts a client's calls: grpc_client_started_total,
// grpc_client_handled_total and grpc_client_handling_seconds.
type ClientMetrics struct{ m *callMetrics }

// NewClientMetrics registers the client's metrics with reg.
func NewClientMetrics(reg prometheus.Registerer) (*ClientMetrics, error) {
	m, err := newCallMetrics(reg, "client", "client")
	if err != nil {
		return nil, err
	}
	return &ClientMetrics{m}, nil
}

// Unary is the unary client interceptor.
func (c *ClientMetrics) Unary() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		done := c.m.start(ctx, "unary", method)
		err := invoker(ctx, method, req, reply, cc, opts...)
		done(err)
		return err
	}
}

// Stream is the stream client interceptor: a stream is handled when
// RecvMsg returns io.EOF (OK) or an error.
func (c *ClientMetrics) Stream() grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		done := c.m.start(ctx, streamType(desc.ClientStreams, desc.ServerStreams), method)
		cs, err := streamer(ctx, desc, cc, method, opts...)
		if err != nil {
			done(err)
			return nil, err
		}
		return &countedStream{ClientStream: cs, done: done}, nil
	}
}

type countedStream struct {
	grpc.ClientStream
	done  func(error)
	ended bool
}

func (s *countedStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	if err != nil && !s.ended {
		s.ended = true
		if errors.Is(err, io.EOF) {
			s.done(nil)
		} else {
			s.done(err)
		}
	}
	return err
}
