package interceptorstest

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	notev1 "github.com/grpclabs/labs/ch02-grpc-core/gen/interceptors/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Client interceptor constructors, as the lab exports them.
type (
	UnaryClientRequestIDFunc  = func(newID func() string) grpc.UnaryClientInterceptor
	StreamClientRequestIDFunc = func(newID func() string) grpc.StreamClientInterceptor
	UnaryClientTimeoutFunc    = func(time.Duration) grpc.UnaryClientInterceptor
)

// TestClientRequestID: step 7, request ids on outgoing calls.
func TestClientRequestID(t *testing.T, unary UnaryClientRequestIDFunc, stream StreamClientRequestIDFunc) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		p := newProbe(nil)
		s := labkit.Serve(t, tr, func(g *grpc.Server) { notev1.RegisterNoteServiceServer(g, p) }, labkit.Options{})
		var n atomic.Int32
		newID := func() string { return fmt.Sprintf("gen-%d", n.Add(1)) }
		client := notev1.NewNoteServiceClient(s.Dial(grpc.WithUnaryInterceptor(unary(newID)), grpc.WithStreamInterceptor(stream(newID))))

		check := func(what string, err error, want string) {
			t.Helper()
			step7.Require(t, err)
			calls := p.takeCalls()
			if len(calls) != 1 || !slices.Equal(calls[0].mdIDs, []string{want}) {
				t.Errorf("%s: the server got x-request-id %v, want exactly [%s]", what, calls, want)
			}
		}
		_, err := client.GetNote(t.Context(), &notev1.GetNoteRequest{Id: "n1"})
		check("GetNote", err, "gen-1")
		_, err = client.GetNote(withMD(t.Context(), shared.RequestIDHeader, "mine"), &notev1.GetNoteRequest{Id: "n1"})
		check("GetNote with the caller's own id (keep it, send one value)", err, "mine")
		_, err = listAll(t.Context(), client, 1)
		check("ListNotes", err, "gen-2") // gen-2: no id was made for the call that had one
		_, err = listAll(withMD(t.Context(), shared.RequestIDHeader, "mine-too"), client, 1)
		check("ListNotes with the caller's own id", err, "mine-too")
	})

	t.Run("default_generator", func(t *testing.T) {
		p := newProbe(nil)
		s := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) { notev1.RegisterNoteServiceServer(g, p) }, labkit.Options{})
		client := notev1.NewNoteServiceClient(s.Dial(grpc.WithUnaryInterceptor(unary(nil))))
		_, err := client.GetNote(t.Context(), &notev1.GetNoteRequest{Id: "n1"})
		step7.Require(t, err)
		calls := p.takeCalls()
		if len(calls) != 1 || len(calls[0].mdIDs) != 1 || !shared.ValidRequestID(calls[0].mdIDs[0]) {
			t.Errorf("with newID nil the server got %v; use shared.NewRequestID", calls)
		}
	})
}

// TestClientTimeout: step 7, a default deadline for unary calls.
func TestClientTimeout(t *testing.T, timeout UnaryClientTimeoutFunc) {
	p := newProbe(nil)
	s := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) { notev1.RegisterNoteServiceServer(g, p) }, labkit.Options{})
	const def = 10 * time.Second
	client := notev1.NewNoteServiceClient(s.Dial(grpc.WithUnaryInterceptor(timeout(def))))

	left := func(ctx context.Context) (time.Duration, bool) {
		t.Helper()
		_, err := client.GetNote(ctx, &notev1.GetNoteRequest{Id: "n1"})
		step7.Require(t, err)
		c := p.takeCalls()[0]
		return c.deadline, c.hasDeadline
	}

	// The handler sees the deadline grpc-timeout carried: at most def, and
	// not much less (the call takes microseconds; 5 s of slack for -race).
	if d, ok := left(t.Context()); !ok || d <= def/2 || d > def {
		t.Errorf("a call without a deadline: the server saw deadline=%v left=%v, want about %v", ok, d, def)
	}
	// A longer deadline the caller chose stays: the default is not a cap.
	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	if d, ok := left(ctx); !ok || d < 30*time.Minute {
		t.Errorf("a call with a 1h deadline: the server saw %v left, want about 1h; never shorten the caller's deadline", d)
	}
	ctx2, cancel2 := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel2()
	if d, ok := left(ctx2); !ok || d > 3*time.Second {
		t.Errorf("a call with a 3s deadline: the server saw %v left, want at most 3s", d)
	}

	t.Run("disabled", func(t *testing.T) {
		conn, err := grpc.NewClient("passthrough:///unused", grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// Called directly: with d <= 0 the invoker gets the caller's context.
		var sawDeadline bool
		err = timeout(0)(t.Context(), mGet, nil, nil, conn, func(ctx context.Context, _ string, _, _ any, _ *grpc.ClientConn, _ ...grpc.CallOption) error {
			_, sawDeadline = ctx.Deadline()
			return nil
		})
		step7.Require(t, err)
		if sawDeadline {
			t.Errorf("timeout(0) added a deadline; 0 means no default")
		}
	})
}
