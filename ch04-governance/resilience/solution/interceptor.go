package solution

import (
	"context"
	"errors"
	"io"
	"slices"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
)

// Breakers guards a client's calls with one breaker per target and method,
// created on first use: a method that fails (a slow query behind it) must
// not cut off its healthy siblings, and one backend's trouble must not
// open the breaker of another.
type Breakers struct {
	cfg      policy.BreakerConfig
	failures []codes.Code

	mu       sync.Mutex
	breakers map[string]*Breaker
}

// NewBreakers returns the interceptors' breakers for cfg.
func NewBreakers(cfg policy.InterceptorConfig) (*Breakers, error) {
	bc := cfg.Breaker.WithDefaults()
	if err := bc.Validate(); err != nil {
		return nil, err
	}
	failures := cfg.FailureCodes
	if failures == nil {
		failures = policy.DefaultFailureCodes
	}
	return &Breakers{cfg: bc, failures: failures, breakers: map[string]*Breaker{}}, nil
}

// Get returns the breaker for method on target, creating it closed.
func (bs *Breakers) Get(target, method string) *Breaker {
	name := policy.BreakerName(target, method)
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b, ok := bs.breakers[name]
	if !ok {
		b, _ = NewBreaker(name, bs.cfg) // cfg was validated by NewBreakers
		bs.breakers[name] = b
	}
	return b
}

// Unary is the unary client interceptor.
func (bs *Breakers) Unary() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		done, err := bs.Get(cc.Target(), method).Allow()
		if err != nil {
			return refusal(err)
		}
		err = invoker(ctx, method, req, reply, cc, opts...)
		done(bs.outcome(ctx, err))
		return err
	}
}

// Stream is the stream client interceptor. A stream's outcome is known
// when it ends: RecvMsg returns io.EOF (success) or an error. A stream the
// caller abandons is reported as Ignored when the caller's context ends, so it never
// holds a half-open trial slot forever.
func (bs *Breakers) Stream() grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		done, err := bs.Get(cc.Target(), method).Allow()
		if err != nil {
			return nil, refusal(err)
		}
		cs, err := streamer(ctx, desc, cc, method, opts...)
		if err != nil {
			done(bs.outcome(ctx, err))
			return nil, err
		}
		// A caller that walks away cancels its context: that ends the stream
		// and frees the slot. (Not cs.Context(): grpc-go cancels that one as
		// the stream finishes, before RecvMsg has returned its error, and
		// Ignored would beat the real outcome.)
		stop := context.AfterFunc(ctx, func() { done(policy.Ignored) })
		return &guardedStream{ClientStream: cs, report: func(err error) {
			stop()
			done(bs.outcome(ctx, err))
		}}, nil
	}
}

type guardedStream struct {
	grpc.ClientStream
	report func(error)
}

func (s *guardedStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		s.report(nil)
	default:
		s.report(err)
	}
	return err
}

// outcome classifies a finished call: a failure code counts against the
// backend, the caller's own cancellation says nothing about it, and any
// other answer (OK, InvalidArgument, NotFound, ...) shows it is healthy.
func (bs *Breakers) outcome(ctx context.Context, err error) policy.Outcome {
	code := status.Code(err)
	switch {
	case err == nil:
		return policy.Success
	case code == codes.Canceled && ctx.Err() != nil:
		return policy.Ignored
	case slices.Contains(bs.failures, code):
		return policy.Failure
	}
	return policy.Success
}

// refusal is what the caller sees from an open breaker: Unavailable (the
// backend is, as far as this client knows) with the breaker's name.
func refusal(err error) error {
	return status.Errorf(codes.Unavailable, "%v; the call was not sent", err)
}
