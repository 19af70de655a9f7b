package exercise

import (
	"context"

	probev1 "github.com/grpclabs/labs/ch05-interview/gen/probe/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Probe is the ProbeService.
type Probe struct {
	probev1.UnimplementedProbeServiceServer
	name string
}

// NewProbe returns a ProbeService that answers Whoami with name.
func NewProbe(name string) *Probe { return &Probe{name: name} }

// Whoami implements ProbeService.
//
// Step 5.
func (p *Probe) Whoami(context.Context, *probev1.WhoamiRequest) (*probev1.WhoamiResponse, error) {
	return nil, labkit.TODO("Probe.Whoami")
}

// Upload implements ProbeService: count chunk bytes until the client
// closes its side (io.EOF), then answer with the count.
//
// Step 5.
func (p *Probe) Upload(stream probev1.ProbeService_UploadServer) error {
	return labkit.TODO("Probe.Upload")
}

// Wait implements ProbeService: work for millis, stopping early with the
// context's error when the context ends, unless ignore_context is set.
//
// Step 5.
func (p *Probe) Wait(ctx context.Context, req *probev1.WaitRequest) (*probev1.WaitResponse, error) {
	return nil, labkit.TODO("Probe.Wait")
}
