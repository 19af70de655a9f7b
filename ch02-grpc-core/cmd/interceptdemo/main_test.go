package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	notev1 "github.com/grpclabs/labs/ch02-grpc-core/gen/interceptors/v1"
	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDemoSolution(t *testing.T) {
	got, _, err := demotest.Run(t.Context(), run, "", "-impl=solution")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, got)
	}
	for _, want := range []string{
		"(impl=solution, client interceptors impl=solution)",
		`GetNote(welcome) as bob (reader)           OK "Interceptors wrap every call."`,
		"Unauthenticated: missing authorization metadata",
		`PermissionDenied: role "reader" may not call /interceptors.v1.NoteService/DeleteNote`,
		"Internal: internal error",
		`msg="panic recovered"`,
		"request_id=demo-panic-1",
		"assignment to entry in nil map",
		`grpc_server_handled_total{grpc_service="interceptors.v1.NoteService",grpc_method="DeleteNote",grpc_code="PermissionDenied"} 1`,
		`grpc_server_handling_seconds_count{grpc_service="interceptors.v1.NoteService",grpc_method="GetNote",grpc_code="Internal"} 1`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestDemoErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-impl=bogus"}, "-impl must be solution or exercise"},
		{[]string{"-client-impl=bogus"}, "-client-impl: -impl must be solution or exercise"},
		{[]string{"-nope"}, "flag provided but not defined"},
		{[]string{"extra"}, "unexpected argument"},
		{[]string{"-addr=not-an-address"}, "listen"},
	} {
		_, _, err := demotest.Run(t.Context(), run, "", tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q) = %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
}

// TestDemoExercise: the learner's interceptors in whatever state they are
// in (with the solution's client side, so the server side's own work
// shows). The banner says whose code runs; the exit status says whether
// every call came out as the demo shows, and when not, the output says
// which ones did not. The lab's suite judges the code itself.
func TestDemoExercise(t *testing.T) {
	out, _, err := demotest.Run(t.Context(), run, "", "-impl=exercise", "-client-impl=solution")
	if !strings.Contains(out, "(impl=exercise, client interceptors impl=solution)") {
		t.Errorf("the banner does not say whose code runs:\n%s", out)
	}
	if err != nil && (!strings.Contains(err.Error(), "not what the demo shows") || !strings.Contains(out, "TODO: implement") && !strings.Contains(out, "(the demo expects")) {
		t.Errorf("run = %v, output:\n%s\nwant the calls that went wrong marked, and an error that counts them", err, out)
	}
}

// TestWrongOutcomeFails: a server whose interceptors let everything through
// (no auth, no recovery) makes calls come out unlike the demo: exit 1.
func TestWrongOutcomeFails(t *testing.T) {
	conn, stop, err := demo.NetFrom(t.Context()).Serve(demo.Server{Register: func(s *grpc.Server) { notev1.RegisterNoteServiceServer(s, &noPanic{newNotes()}) }})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var out strings.Builder
	if wrong := calls(t.Context(), notev1.NewNoteServiceClient(conn), &out); wrong != 4 {
		t.Errorf("calls without auth or recovery: %d wrong, want 4 (no token, wrong role, so the admin finds nothing to delete, panic)\n%s", wrong, out.String())
	}
	if !strings.Contains(out.String(), "(the demo expects Unauthenticated)") {
		t.Errorf("the output does not mark the call that went wrong:\n%s", out.String())
	}
}

// noPanic answers the "panic" note with an error a recovery interceptor
// would not give, instead of panicking (no recovery here to catch it).
type noPanic struct{ *notes }

func (n *noPanic) GetNote(ctx context.Context, req *notev1.GetNoteRequest) (*notev1.GetNoteResponse, error) {
	if req.GetId() == "panic" {
		return nil, status.Error(codes.NotFound, "no panic here")
	}
	return n.notes.GetNote(ctx, req)
}

func TestDemoServeMetrics(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-serve-metrics"}, demo.IO{In: strings.NewReader(""), Out: pw, Err: io.Discard})
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var url string
	for sc.Scan() {
		if _, rest, ok := strings.Cut(sc.Text(), "metrics at "); ok {
			url, _, _ = strings.Cut(rest, " ")
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }() // keep the writer unblocked
	if url == "" {
		t.Fatal("no metrics URL printed")
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "# TYPE grpc_server_handling_seconds histogram") {
		t.Errorf("GET %s: %d\n%s", url, resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run after Ctrl-C: %v", err)
	}
}
