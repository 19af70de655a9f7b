package exercise

import (
	"context"

	"google.golang.org/grpc"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Breakers guards a client's calls with one breaker per target and method
// (named policy.BreakerName(cc.Target(), method)), created on first use.
type Breakers struct {
	// Step 3: your fields (the config, a map of breakers and its mutex).
}

// NewBreakers returns the interceptors' breakers for cfg. Validate the
// breaker config once here; nil FailureCodes means policy.DefaultFailureCodes.
//
// Step 3.
func NewBreakers(cfg policy.InterceptorConfig) (*Breakers, error) {
	return nil, labkit.TODO("NewBreakers")
}

// Unary is the unary client interceptor: ask the breaker; refused, return
// an Unavailable status whose message includes the breaker's error (so it
// names the breaker) without calling invoker; admitted, call and report
// the outcome: nil is a Success, a FailureCodes code a Failure, Canceled
// while the caller's ctx is done Ignored, any other code a Success.
//
// Step 3.
func (bs *Breakers) Unary() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return labkit.TODO("Breakers.Unary")
	}
}

// Stream is the stream client interceptor. A stream's outcome is known
// when RecvMsg returns io.EOF (a Success) or an error; wrap the
// grpc.ClientStream to see it. A stream the caller abandons must be
// reported as Ignored when the caller's ctx ends (context.AfterFunc).
//
// Step 3.
func (bs *Breakers) Stream() grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		return nil, labkit.TODO("Breakers.Stream")
	}
}
