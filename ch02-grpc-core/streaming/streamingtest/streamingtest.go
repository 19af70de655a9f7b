// Package streamingtest is the streaming lab's suite. The exercise and the
// solution both run it through their one-screen *_test.go files, so every
// assertion is written once.
//
// Nothing here sleeps to wait for the server. The suite synchronises on
// what it can observe: messages arriving, the backend's own counters, and a
// server interceptor ([probe]) that reports when a handler asks for its next
// message and when it returns.
package streamingtest

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch02-grpc-core/streaming"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "ConfigServer.GetConfig"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "LogServer.Tail"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "ConfigServer.WatchConfig"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "FileServer.Upload"}
	step5 = labkit.Step{Lab: lab, N: 5, What: "UploadFile (the client)"}
	step6 = labkit.Step{Lab: lab, N: 6, What: "ChatServer.ExchangeMessages"}
	step7 = labkit.Step{Lab: lab, N: 7, What: "kickedError"}
)

// guard bounds every wait on the server. It is not a synchronisation delay:
// a correct server answers in microseconds, and the guard only turns a hang
// into a failure that says what was awaited. It is generous because a
// machine whose cores are all busy can take seconds; it must stay above
// the chat room's patience (backend.DefaultPatience), which the bubble
// tests wait out.
const guard = 30 * time.Second

// ended is one handler's return, as the probe saw it.
type ended struct {
	method string
	err    error
}

// probe watches the server's stream handlers from the outside.
type probe struct {
	ended chan ended    // one per handler return
	recvs chan struct{} // one per RecvMsg call a handler starts
}

func newProbe() *probe {
	return &probe{ended: make(chan ended, 1024), recvs: make(chan struct{}, 1<<14)}
}

// interceptor reports handler returns and RecvMsg calls to the probe.
func (p *probe) interceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	err := handler(srv, &probedStream{ServerStream: ss, p: p})
	select {
	case p.ended <- ended{info.FullMethod, err}:
	default:
	}
	return err
}

type probedStream struct {
	grpc.ServerStream
	p *probe
}

func (s *probedStream) RecvMsg(m any) error {
	select {
	case s.p.recvs <- struct{}{}:
	default:
	}
	return s.ServerStream.RecvMsg(m)
}

// serve starts register's services with the probe in place.
func serve(t *testing.T, tr labkit.Transport, register func(*grpc.Server)) (*labkit.Server, *probe) {
	t.Helper()
	p := newProbe()
	s := labkit.Serve(t, tr, register, labkit.Options{Server: []grpc.ServerOption{grpc.StreamInterceptor(p.interceptor)}})
	return s, p
}

// waitEnded returns the error of the next handler to return, or fails with
// why saying what should have made it return.
func (p *probe) waitEnded(t *testing.T, why string) error {
	t.Helper()
	select {
	case e := <-p.ended:
		return e.err
	case <-time.After(guard):
		t.Fatalf("the stream handler did not return within %v after %s; it must return when its stream ends (select on stream.Context().Done())", guard, why)
		return nil
	}
}

// waitRecvs waits until handlers have started n RecvMsg calls in total. A
// handler that returns first fails the test with its error.
func (p *probe) waitRecvs(t *testing.T, step labkit.Step, n int) {
	t.Helper()
	for i := range n {
		select {
		case <-p.recvs:
		case e := <-p.ended:
			step.Require(t, e.err)
			t.Fatalf("the handler returned OK after asking for %d messages, before the client finished", i)
		case <-time.After(guard):
			t.Fatalf("the handler asked for %d messages within %v, want %d", i, guard, n)
		}
	}
}

// leakFree runs f as a subtest and then checks that every goroutine it
// started (client, server, handlers and theirs) is gone.
func leakFree(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	if t.Run(name, f) {
		if err := goleak.Find(ignore); err != nil {
			t.Errorf("%s: goroutines left behind after the client, the stream and the server ended:\n%v", name, err)
		}
	}
}

// recvWithin receives one message from a stream, or fails after the guard.
func recvWithin[T any](t *testing.T, recv func() (*T, error), what string) (*T, error) {
	t.Helper()
	type result struct {
		m   *T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		m, err := recv()
		ch <- result{m, err}
	}()
	select {
	case r := <-ch:
		return r.m, r.err
	case <-time.After(guard):
		t.Fatalf("no message within %v while waiting for %s", guard, what)
		return nil, nil
	}
}

// wantCode fails unless err carries code.
func wantCode(t *testing.T, step labkit.Step, err error, code codes.Code, what string) {
	t.Helper()
	if step.Check(t, err) == nil {
		t.Fatalf("%s: succeeded, want %v", what, code)
	}
	if errors.Is(err, io.EOF) {
		t.Fatalf("%s: io.EOF (the stream ended with OK), want %v", what, code)
	}
	if got := status.Code(err); got != code {
		t.Fatalf("%s: code %v, want %v (%v)", what, got, code, err)
	}
}

// sent returns a Send's error; when Send says io.EOF, the server has
// already ended the call and only a receive can say why, so sent returns
// what recv returns instead.
func sent(err error, recv func() error) error {
	if err == io.EOF {
		if rerr := recv(); rerr != nil {
			return rerr
		}
	}
	return err
}

// ctxWithCancel is a cancellable child of the test's context, with the
// guard as its deadline so that no stream can hang the test.
func ctxWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(t.Context(), guard)
	t.Cleanup(cancel)
	return ctx, cancel
}
