// Package registry is chapter 4's service registry contract, shared by the
// discovery lab (which writes it for etcd), the balancing lab (whose
// policies read an instance's weight and zone) and the programs.
//
//   - [Instance] is one running copy of a service: where it listens and what
//     a balancer needs to know about it (version, zone, weight).
//   - [Registrar] announces an instance for as long as it lives;
//     [Registration] takes it back. The etcd registrar of the discovery lab
//     and [Memory] implement it.
//   - [Key], [Prefix], [EncodeEtcd] and [DecodeEtcd] are the etcd layout:
//     the keys and JSON values of etcd's own naming/endpoints manager, so
//     etcd's resolver and `etcdctl get --prefix services/` read them too.
//   - [Endpoint] and [FromEndpoint] carry an instance through gRPC's
//     resolver to the balancer as endpoint attributes; [Weight] and [Zone]
//     read them back.
package registry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// MaxWeight bounds an instance's weight, so a typo in a flag or a value
// written by hand into etcd cannot starve every other instance.
const MaxWeight = 1000

// Instance is one running copy of a service.
type Instance struct {
	// Service is the service's name, e.g. "greeter"; ID names this copy
	// uniquely within it. Neither may be empty or contain a '/'.
	Service string `json:"service"`
	ID      string `json:"id"`
	// Addr is the host:port clients dial. In etcd it is stored as the
	// endpoint's Addr, not in the metadata.
	Addr string `json:"-"`
	// Version is the build the instance runs, e.g. "1.0.0" (informational).
	Version string `json:"version,omitempty"`
	// Zone is where it runs, e.g. "eu-1a", for zone-aware policies.
	Zone string `json:"zone,omitempty"`
	// Weight is its relative capacity for weighted policies; 0 means 1.
	Weight int `json:"weight,omitempty"`
}

// Validate reports what makes inst unusable as a registration, or nil.
func (inst Instance) Validate() error {
	switch {
	case inst.Service == "" || strings.Contains(inst.Service, "/"):
		return fmt.Errorf("registry: service %q must be non-empty and contain no '/'", inst.Service)
	case inst.ID == "" || strings.Contains(inst.ID, "/"):
		return fmt.Errorf("registry: instance id %q must be non-empty and contain no '/'", inst.ID)
	case inst.Weight < 0 || inst.Weight > MaxWeight:
		return fmt.Errorf("registry: instance %s: weight %d is outside 0..%d", inst.ID, inst.Weight, MaxWeight)
	}
	if _, _, err := net.SplitHostPort(inst.Addr); err != nil {
		return fmt.Errorf("registry: instance %s: address %q is not host:port: %v", inst.ID, inst.Addr, err)
	}
	return nil
}

// EffectiveWeight is the weight a balancer uses: Weight, or 1 when unset.
func (inst Instance) EffectiveWeight() int {
	if inst.Weight <= 0 {
		return 1
	}
	return inst.Weight
}

// Registrar announces instances. Register returns once inst is visible to
// clients (or with an error when ctx ends first or inst is invalid), and
// keeps it visible until the Registration is deregistered: it renews the
// registration's lease and registers again if the lease is lost. When the
// registrant dies without deregistering, the registration disappears within
// ttl.
type Registrar interface {
	Register(ctx context.Context, inst Instance, ttl time.Duration) (Registration, error)
}

// Registration is one live registration.
type Registration interface {
	// Deregister removes the instance at once, stops renewing it, and
	// returns when nothing of the registration is running any more. It is
	// safe to call more than once; later calls return nil.
	Deregister(ctx context.Context) error
	// Done is closed when the registration has stopped: after Deregister,
	// or by itself when it cannot go on (its etcd client was closed).
	Done() <-chan struct{}
	// Err is nil while the registration runs; then [ErrDeregistered], or
	// the error that stopped it.
	Err() error
}

// ErrDeregistered is returned when a registration is used after
// Deregister.
var ErrDeregistered = errors.New("registry: the registration was deregistered")
