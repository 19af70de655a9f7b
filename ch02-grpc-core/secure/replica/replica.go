// Package replica is the secure lab's scaffolding: the ReplicaService a
// datacenter serves to its peers, and the records it replicates. The lab's
// work (certificates, TLS configs, credentials, compression) is in
// exercise/; this package only uses it.
package replica

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	securelabv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/securelab/v1"
)

// Server answers Pull from a fixed list of records.
type Server struct {
	securelabv1.UnimplementedReplicaServiceServer

	Records []*securelabv1.Record
	// Tokens maps bearer tokens to the subject they identify. nil means no
	// token is required; otherwise a call without a known one is
	// Unauthenticated.
	Tokens map[string]string
	// PeerName reports who the client certificate says the caller is
	// (the lab's PeerCommonName); nil reports nobody.
	PeerName func(context.Context) string
}

// Pull implements securelabv1.ReplicaServiceServer.
func (s *Server) Pull(ctx context.Context, req *securelabv1.PullRequest) (*securelabv1.PullResponse, error) {
	resp := &securelabv1.PullResponse{}
	if s.Tokens != nil {
		subject, err := s.authorize(ctx)
		if err != nil {
			return nil, err
		}
		resp.Subject = subject
	}
	if s.PeerName != nil {
		resp.Peer = s.PeerName(ctx)
	}
	limit := int(req.GetLimit())
	if limit <= 0 {
		limit = len(s.Records)
	}
	for _, r := range s.Records {
		if r.GetVersion() > req.GetSince() && len(resp.Records) < limit {
			resp.Records = append(resp.Records, r)
		}
	}
	return resp, nil
}

func (s *Server) authorize(ctx context.Context) (string, error) {
	v := metadata.ValueFromIncomingContext(ctx, "authorization")
	if len(v) != 1 {
		return "", status.Error(codes.Unauthenticated, "missing bearer token")
	}
	token, ok := strings.CutPrefix(v[0], "Bearer ")
	if !ok {
		return "", status.Error(codes.Unauthenticated, `authorization must be "Bearer <token>"`)
	}
	subject, ok := s.Tokens[token]
	if !ok {
		return "", status.Error(codes.Unauthenticated, "unknown bearer token")
	}
	return subject, nil
}

// Records makes n realistic, deterministic records: order rows as JSON,
// the kind of text-heavy data that crosses datacenters. The same n always
// gives the same bytes, so measurements repeat.
func Records(n int) []*securelabv1.Record {
	rng := rand.New(rand.NewPCG(2026, uint64(n)))
	regions := []string{"cn-north-1", "cn-east-2", "eu-west-1", "us-east-1"}
	statuses := []string{"CREATED", "PAID", "SHIPPED", "DELIVERED", "REFUNDED"}
	base := time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	out := make([]*securelabv1.Record, n)
	for i := range out {
		at := base.Add(time.Duration(i*37+rng.IntN(30)) * time.Second).Format(time.RFC3339)
		region := regions[rng.IntN(len(regions))]
		var items []string
		for range 1 + rng.IntN(3) {
			items = append(items, fmt.Sprintf(`{"sku":"SKU-%05d","quantity":%d,"unitPrice":"%d.%02d","currency":"CNY"}`,
				rng.IntN(20000), 1+rng.IntN(4), 5+rng.IntN(500), rng.IntN(100)))
		}
		json := fmt.Sprintf(`{"orderId":"ord-%08d","customer":{"customerId":"cus-%06d","tier":"%s"},"items":[%s],"status":"%s","shippingAddress":{"city":"%s","postalCode":"%06d"},"updatedAt":"%s"}`,
			i+1, rng.IntN(100000), []string{"standard", "gold", "platinum"}[rng.IntN(3)], strings.Join(items, ","),
			statuses[rng.IntN(len(statuses))], []string{"Beijing", "Shanghai", "Shenzhen", "Hangzhou", "Frankfurt"}[rng.IntN(5)],
			rng.IntN(1000000), at)
		out[i] = &securelabv1.Record{
			Key:       fmt.Sprintf("orders/%08d", i+1),
			Version:   int64(i + 1),
			Region:    region,
			UpdatedAt: at,
			Json:      json,
		}
	}
	return out
}
