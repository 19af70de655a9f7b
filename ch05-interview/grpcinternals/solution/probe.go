package solution

import (
	"context"
	"errors"
	"io"
	"time"

	"google.golang.org/grpc/status"

	probev1 "github.com/grpclabs/labs/ch05-interview/gen/probe/v1"
)

// Probe is the ProbeService: the experiments' backend.
type Probe struct {
	probev1.UnimplementedProbeServiceServer
	name string
}

// NewProbe returns a ProbeService that answers Whoami with name.
func NewProbe(name string) *Probe { return &Probe{name: name} }

// Whoami implements ProbeService.
func (p *Probe) Whoami(context.Context, *probev1.WhoamiRequest) (*probev1.WhoamiResponse, error) {
	return &probev1.WhoamiResponse{Backend: p.name}, nil
}

// Upload implements ProbeService: it counts chunk bytes until the client
// closes its side. Recv returns the stream's error when the client's
// deadline passes or it cancels, so the loop needs no select of its own.
func (p *Probe) Upload(stream probev1.ProbeService_UploadServer) error {
	var n int64
	for {
		c, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stream.SendAndClose(&probev1.UploadResponse{Bytes: n})
		}
		if err != nil {
			return err
		}
		n += int64(len(c.GetData()))
	}
}

// Wait implements ProbeService: it works for millis, and stops early when
// its context ends, unless ignore_context is set (a handler that never
// looks at its context: the server cannot stop it, only stop listening).
// When the client's deadline passes, grpc-go cancels the handler's context
// (DeadlineExceeded), resets the stream, and throws away whatever the
// handler returns afterwards.
func (p *Probe) Wait(ctx context.Context, req *probev1.WaitRequest) (*probev1.WaitResponse, error) {
	work := time.NewTimer(time.Duration(req.GetMillis()) * time.Millisecond)
	defer work.Stop()
	if req.GetIgnoreContext() {
		<-work.C
		return &probev1.WaitResponse{}, nil
	}
	select {
	case <-work.C:
		return &probev1.WaitResponse{}, nil
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	}
}
