// Package greeter is the chapter's backend service: every instance answers
// SayHello with its own registry id, so a client can count where its calls
// went. Its latency and failure rate can be changed while it runs, to play
// a slow or a failing instance (cmd/backend's -latency and -fail-rate).
package greeter

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/orca"
	"google.golang.org/grpc/status"

	greeterv1 "github.com/grpclabs/labs/ch04-governance/gen/greeter/v1"
)

// ServiceName is the gRPC service's full name, which health checks
// (healthCheckConfig.serviceName) ask about.
const ServiceName = "greeter.v1.Greeter"

// Server is one backend instance. Every answer carries an ORCA load
// report (when the gRPC server has orca.CallMetricsServerOption), so
// grpc-go's weighted_round_robin can weigh it.
type Server struct {
	greeterv1.UnimplementedGreeterServer
	id, zone string
	load     LoadMeter
	latency  atomic.Int64  // nanoseconds added to every call
	failRate atomic.Uint64 // math.Float64bits of the fraction of calls that fail
	served   atomic.Int64
}

// New returns the instance id of zone, answering at once and never failing.
func New(id, zone string) *Server { return &Server{id: id, zone: zone} }

// ID is the instance's id.
func (s *Server) ID() string { return s.id }

// SetLatency makes every call take at least d (a slow instance).
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// SetFailRate makes a fraction f (0..1) of calls fail with Unavailable.
func (s *Server) SetFailRate(f float64) { s.failRate.Store(uint64(max(0, min(1, f)) * (1 << 32))) }

// Served is how many calls the instance has answered successfully.
func (s *Server) Served() int64 { return s.served.Load() }

// SayHello greets the caller after the instance's latency, or fails as often
// as its failure rate says.
func (s *Server) SayHello(ctx context.Context, req *greeterv1.SayHelloRequest) (*greeterv1.SayHelloResponse, error) {
	start := time.Now()
	defer func() {
		util, qps := s.load.Record(time.Since(start))
		// nil unless the server has orca.CallMetricsServerOption
		if rec := orca.CallMetricsRecorderFromContext(ctx); rec != nil {
			rec.SetApplicationUtilization(util)
			rec.SetQPS(qps)
		}
	}()
	if d := time.Duration(s.latency.Load()); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	if f := s.failRate.Load(); f > 0 && rand.Uint64N(1<<32) < f {
		return nil, status.Errorf(codes.Unavailable, "backend %s: injected failure", s.id)
	}
	s.served.Add(1)
	name := req.GetName()
	if name == "" {
		name = "stranger"
	}
	return &greeterv1.SayHelloResponse{Message: "hello " + name + ", from " + s.id, BackendId: s.id, Zone: s.zone}, nil
}
