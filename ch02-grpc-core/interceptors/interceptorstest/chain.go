package interceptorstest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	notev1 "github.com/grpclabs/labs/ch02-grpc-core/gen/interceptors/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// The lab's chain functions.
type (
	ChainUnaryFunc  = func(...grpc.UnaryServerInterceptor) grpc.UnaryServerInterceptor
	ChainStreamFunc = func(...grpc.StreamServerInterceptor) grpc.StreamServerInterceptor
)

// probeSpec describes one probe interceptor: its name, and "" (call the
// handler once), "stop" (refuse with Aborted) or "twice" (call it twice).
type probeSpec struct{ name, mode string }

// chainCases are the chains both implementations must run identically.
var chainCases = []struct {
	name   string
	probes []probeSpec
}{
	{"none", nil},
	{"one", []probeSpec{{"A", ""}}},
	{"three", []probeSpec{{"A", ""}, {"B", ""}, {"C", ""}}},
	{"middle_stops", []probeSpec{{"A", ""}, {"B", "stop"}, {"C", ""}}},
	{"middle_calls_twice", []probeSpec{{"A", ""}, {"B", "twice"}, {"C", ""}}},
}

// wantThree is the trace of A, B, C around GetNote, as grpc-go runs it:
// the first interceptor is the outermost. Each event lists the probes whose
// context value it saw.
var wantThree = []string{
	"A>GetNote[]", "B>GetNote[A]", "C>GetNote[A B]", "handler[A B C]",
	"C<OK[A B C]", "B<OK[A B]", "A<OK[A]",
}

func short(method string) string { return method[strings.LastIndex(method, "/")+1:] }

func unaryProbe(tr *tracer, sp probeSpec) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		tr.add(ctx, sp.name+">"+short(info.FullMethod))
		ctx = withTag(ctx, sp.name)
		var (
			resp any
			err  error
		)
		switch sp.mode {
		case "stop":
			err = status.Error(codes.Aborted, sp.name+" stops here")
		case "twice":
			_, _ = handler(ctx, req)
			resp, err = handler(ctx, req)
		default:
			resp, err = handler(ctx, req)
		}
		tr.add(ctx, sp.name+"<"+status.Code(err).String())
		return resp, err
	}
}

type taggedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *taggedStream) Context() context.Context { return s.ctx }

func streamProbe(tr *tracer, sp probeSpec) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		tr.add(ss.Context(), sp.name+">"+short(info.FullMethod))
		ctx := withTag(ss.Context(), sp.name)
		ss = &taggedStream{ServerStream: ss, ctx: ctx}
		var err error
		switch sp.mode {
		case "stop":
			err = status.Error(codes.Aborted, sp.name+" stops here")
		case "twice":
			_ = handler(srv, ss)
			err = handler(srv, ss)
		default:
			err = handler(srv, ss)
		}
		tr.add(ctx, sp.name+"<"+status.Code(err).String())
		return err
	}
}

// tracedPair serves two probes that share tr: one behind grpc-go's own
// chain, one behind the lab's.
func tracedPair(t *testing.T, tr *tracer, grpcOpt, labOpt grpc.ServerOption) (ref, lab notev1.NoteServiceClient) {
	pRef, pLab := newProbe(nil), newProbe(nil)
	pRef.tracer, pLab.tracer = tr, tr
	var refOpts []grpc.ServerOption
	if grpcOpt != nil {
		refOpts = append(refOpts, grpcOpt)
	}
	return serve(t, labkit.Bufconn, pRef, refOpts...), serve(t, labkit.Bufconn, pLab, labOpt)
}

func traced(ctx context.Context, id string) context.Context { return withMD(ctx, "trace-id", id) }

func compareTraces(t *testing.T, what string, ref, got []string, refErr, gotErr error) {
	t.Helper()
	if !slices.Equal(ref, got) {
		t.Errorf("%s: your chain ran\n  %v\ngrpc.ChainUnaryInterceptor / ChainStreamInterceptor ran\n  %v\n(X> is X entering, X< leaving, [..] the context values X saw)", what, got, ref)
	}
	if status.Code(refErr) != status.Code(gotErr) {
		t.Errorf("%s: your chain ended with %v, grpc's with %v", what, gotErr, refErr)
	}
}

// TestChainUnary: step 8, ChainUnary against grpc.ChainUnaryInterceptor.
func TestChainUnary(t *testing.T, chain ChainUnaryFunc) {
	for _, tc := range chainCases {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTracer()
			var ics []grpc.UnaryServerInterceptor
			for _, sp := range tc.probes {
				ics = append(ics, unaryProbe(tr, sp))
			}
			var grpcOpt grpc.ServerOption
			if len(ics) > 0 {
				grpcOpt = grpc.ChainUnaryInterceptor(ics...)
			}
			ref, lab := tracedPair(t, tr, grpcOpt, grpc.UnaryInterceptor(chain(ics...)))
			refResp, refErr := ref.GetNote(traced(t.Context(), "ref"), &notev1.GetNoteRequest{Id: "n1"})
			gotResp, gotErr := lab.GetNote(traced(t.Context(), "lab"), &notev1.GetNoteRequest{Id: "n1"})
			if refErr == nil {
				step8.Require(t, gotErr)
			} else {
				step8.Check(t, gotErr)
			}
			compareTraces(t, "GetNote", tr.get("ref"), tr.get("lab"), refErr, gotErr)
			if refResp.GetNote().GetId() != gotResp.GetNote().GetId() {
				t.Errorf("response %v, want %v", gotResp, refResp)
			}
			if tc.name == "three" && !slices.Equal(tr.get("ref"), wantThree) {
				t.Errorf("grpc-go itself ran %v, this suite expected %v", tr.get("ref"), wantThree)
			}
		})
	}

	t.Run("concurrent_calls", func(t *testing.T) {
		// A chain is shared by every call: state kept between calls breaks here.
		tr := newTracer()
		var ics []grpc.UnaryServerInterceptor
		for _, n := range []string{"A", "B", "C"} {
			ics = append(ics, unaryProbe(tr, probeSpec{n, ""}))
		}
		p := newProbe(nil)
		p.tracer = tr
		client := serve(t, labkit.Bufconn, p, grpc.UnaryInterceptor(chain(ics...)))
		var wg sync.WaitGroup
		errs := make([]error, 30)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = client.GetNote(traced(context.Background(), fmt.Sprint(i)), &notev1.GetNoteRequest{Id: "n1"})
			})
		}
		wg.Wait()
		for i, err := range errs {
			step8.Require(t, err)
			if got := tr.get(fmt.Sprint(i)); !slices.Equal(got, wantThree) {
				t.Fatalf("call %d of 30 concurrent ones ran %v, want %v", i, got, wantThree)
			}
		}
	})

	t.Run("caller_reuses_slice", func(t *testing.T) {
		// grpc copies the interceptors it is given; so must ChainUnary.
		tr := newTracer()
		ics := []grpc.UnaryServerInterceptor{unaryProbe(tr, probeSpec{"A", ""}), unaryProbe(tr, probeSpec{"B", ""})}
		c := chain(ics...)
		ics[0] = unaryProbe(tr, probeSpec{"X", ""})
		p := newProbe(nil)
		p.tracer = tr
		client := serve(t, labkit.Bufconn, p, grpc.UnaryInterceptor(c))
		_, err := client.GetNote(traced(t.Context(), "x"), &notev1.GetNoteRequest{Id: "n1"})
		step8.Require(t, err)
		if got := tr.get("x"); len(got) == 0 || !strings.HasPrefix(got[0], "A>") {
			t.Errorf("after the caller changed its slice, the chain ran %v; copy the interceptors in ChainUnary", got)
		}
	})
}

// TestChainStream: step 8, ChainStream against grpc.ChainStreamInterceptor.
func TestChainStream(t *testing.T, chain ChainStreamFunc) {
	for _, tc := range chainCases {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTracer()
			var ics []grpc.StreamServerInterceptor
			for _, sp := range tc.probes {
				ics = append(ics, streamProbe(tr, sp))
			}
			var grpcOpt grpc.ServerOption
			if len(ics) > 0 {
				grpcOpt = grpc.ChainStreamInterceptor(ics...)
			}
			ref, lab := tracedPair(t, tr, grpcOpt, grpc.StreamInterceptor(chain(ics...)))
			refNotes, refErr := listAll(traced(t.Context(), "ref"), ref, 2)
			gotNotes, gotErr := listAll(traced(t.Context(), "lab"), lab, 2)
			if refErr == nil {
				step8.Require(t, gotErr)
			} else {
				step8.Check(t, gotErr)
			}
			compareTraces(t, "ListNotes", tr.get("ref"), tr.get("lab"), refErr, gotErr)
			if len(refNotes) != len(gotNotes) {
				t.Errorf("your chain delivered %d notes, grpc's %d", len(gotNotes), len(refNotes))
			}
			if want := strings.ReplaceAll(strings.Join(wantThree, " "), "GetNote", "ListNotes"); tc.name == "three" && strings.Join(tr.get("ref"), " ") != want {
				t.Errorf("grpc-go itself ran %v, this suite expected %v", tr.get("ref"), want)
			}
		})
	}

	t.Run("concurrent_calls", func(t *testing.T) {
		tr := newTracer()
		var ics []grpc.StreamServerInterceptor
		for _, n := range []string{"A", "B", "C"} {
			ics = append(ics, streamProbe(tr, probeSpec{n, ""}))
		}
		p := newProbe(nil)
		p.tracer = tr
		client := serve(t, labkit.Bufconn, p, grpc.StreamInterceptor(chain(ics...)))
		want := strings.ReplaceAll(strings.Join(wantThree, " "), "GetNote", "ListNotes")
		var wg sync.WaitGroup
		errs := make([]error, 30)
		for i := range errs {
			wg.Go(func() { _, errs[i] = listAll(traced(context.Background(), fmt.Sprint(i)), client, 1) })
		}
		wg.Wait()
		for i, err := range errs {
			step8.Require(t, err)
			if got := strings.Join(tr.get(fmt.Sprint(i)), " "); got != want {
				t.Fatalf("stream %d of 30 concurrent ones ran %v, want %v", i, got, want)
			}
		}
	})
}
