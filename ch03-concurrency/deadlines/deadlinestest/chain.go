package deadlinestest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	hopv1 "github.com/grpclabs/labs/ch03-concurrency/gen/hop/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Config mirrors the lab's Config field for field, so the one-screen test
// files can convert it: solution.Config(c).
type Config struct {
	Name         string
	Next         hopv1.HopServiceClient
	Reserve      time.Duration
	Query        func(ctx context.Context, query string) (string, error)
	Log          func(ctx context.Context, line string) error
	Audit        func(ctx context.Context, hop string, code codes.Code)
	AuditTimeout time.Duration
}

// Lab is the lab's API, as the suite calls it.
type Lab struct {
	WithRequestID     func(ctx context.Context, id string) context.Context
	RequestID         func(ctx context.Context) (string, bool)
	ClientInterceptor func() grpc.UnaryClientInterceptor
	ServerInterceptor func() grpc.UnaryServerInterceptor
	Budget            func(ctx context.Context, hop string, reserve time.Duration) (context.Context, context.CancelFunc, error)
	ErrReserve        error
	NewHop            func(Config) hopv1.HopServiceServer
}

// stop is a fake job (query or log) that ended because its context did.
type stop struct {
	job   string
	cause error
	at    time.Time
}

// auditRecord is what the fake audit store saw.
type auditRecord struct {
	hop          string
	code         codes.Code
	requestID    string
	errAtStart   error         // the audit context's Err when the write began
	errAfterWork error         // ... and after the write's own 50ms of work
	left         time.Duration // time left on the audit context, -1 if no deadline
}

// hop is the fakes around one hop: its database, its log writer, its
// audit store, and counters the suite reads.
type hop struct {
	name          string
	queryDelay    time.Duration
	queryErr      error
	logDelay      time.Duration
	stuck         bool                 // the query ignores its context: a hop that hangs
	handled       atomic.Int32         // calls that reached the hop's server
	queries, logs atomic.Int32         // jobs started
	stopped       map[string]chan stop // per job: it ended because its ctx did
	mu            sync.Mutex
	ended         []stop // every job's end (cause nil: it ran its full time), for failure messages
	audits        chan auditRecord
	nextEnded     chan codes.Code // this hop's call to the next hop returned, with this code
	lab           Lab
}

func newHop(name string, queryDelay time.Duration, queryErr error, logDelay time.Duration) *hop {
	return &hop{name: name, queryDelay: queryDelay, queryErr: queryErr, logDelay: logDelay,
		stopped: map[string]chan stop{"query": make(chan stop, 16), "log": make(chan stop, 16)}, audits: make(chan auditRecord, 16), nextEnded: make(chan codes.Code, 16)}
}

func (h *hop) wait(ctx context.Context, job string, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		h.end(stop{job, nil, time.Now()})
		return nil
	case <-ctx.Done():
		s := stop{job, context.Cause(ctx), time.Now()}
		h.end(s)
		h.stopped[job] <- s
		return ctx.Err()
	}
}

func (h *hop) end(s stop) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ended = append(h.ended, s)
}

func (h *hop) query(ctx context.Context, q string) (string, error) {
	h.queries.Add(1)
	if h.stuck {
		time.Sleep(h.queryDelay)
		h.end(stop{"query", nil, time.Now()})
		return "too late from " + h.name, nil
	}
	if err := h.wait(ctx, "query", h.queryDelay); err != nil {
		return "", err
	}
	if h.queryErr != nil {
		return "", h.queryErr
	}
	return "rows from " + h.name, nil
}

func (h *hop) log(ctx context.Context, line string) error {
	h.logs.Add(1)
	return h.wait(ctx, "log", h.logDelay)
}

func (h *hop) audit(ctx context.Context, name string, code codes.Code) {
	r := auditRecord{hop: name, code: code, errAtStart: ctx.Err(), left: -1}
	r.requestID, _ = h.lab.RequestID(ctx)
	if dl, ok := ctx.Deadline(); ok {
		r.left = time.Until(dl)
	}
	select { // the write itself takes 50ms, well after the request ended
	case <-time.After(50 * time.Millisecond):
	case <-ctx.Done():
	}
	r.errAfterWork = ctx.Err()
	h.audits <- r
}

// atDeadline is a next hop that answers DeadlineExceeded at the instant
// its deadline passes, as grpc-go's client does when the server resets the
// stream at that deadline. It wakes on its own timer, not on ctx, so it may
// answer before or after ctx's own timer has fired.
type atDeadline struct{}

func (atDeadline) Call(ctx context.Context, _ *hopv1.CallRequest, _ ...grpc.CallOption) (*hopv1.CallResponse, error) {
	dl, ok := ctx.Deadline()
	if !ok {
		<-ctx.Done()
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	time.Sleep(time.Until(dl))
	return nil, status.Error(codes.DeadlineExceeded, "hop C: stream reset at its deadline")
}

// chain is three hops, A -> B -> C, each a real gRPC server with the lab's
// interceptors, and a client for A.
type chain struct {
	client  hopv1.HopServiceClient
	a, b, c *hop
	// clientEnded gets the code of the test client's call to A.
	clientEnded chan codes.Code
}

const auditTimeout = 200 * time.Millisecond

// newChain wires a, b, c with the given reserves over tr. Inside a
// synctest bubble use labkit.Bufconn.
func newChain(t *testing.T, tr labkit.Transport, lab Lab, reserves [3]time.Duration, a, b, c *hop) *chain {
	t.Helper()
	ch := &chain{a: a, b: b, c: c, clientEnded: make(chan codes.Code, 16)}
	var next hopv1.HopServiceClient
	hops := []*hop{c, b, a}
	callers := []chan codes.Code{b.nextEnded, a.nextEnded, ch.clientEnded}
	for i, h := range hops {
		h.lab = lab
		srv := lab.NewHop(Config{
			Name: h.name, Next: next, Reserve: reserves[2-i],
			Query: h.query, Log: h.log, Audit: h.audit, AuditTimeout: auditTimeout,
		})
		s := labkit.Serve(t, tr, func(g *grpc.Server) { hopv1.RegisterHopServiceServer(g, srv) }, labkit.Options{
			Server: []grpc.ServerOption{grpc.ChainUnaryInterceptor(count(&h.handled), lab.ServerInterceptor())},
			Client: []grpc.DialOption{grpc.WithChainUnaryInterceptor(observe(callers[i]), lab.ClientInterceptor())},
		})
		next = hopv1.NewHopServiceClient(s.Conn)
	}
	ch.client = next
	if tr == labkit.Bufconn { // this suite runs bufconn chains only in bubbles
		// Audit writes run after their requests, on purpose. Before the
		// servers stop, let the bubble's clock run on so they can finish
		// (fake time: it costs nothing and decides nothing).
		t.Cleanup(func() { time.Sleep(time.Minute) })
	}
	return ch
}

// took checks, on the bubble's exact clock, that the chain's call returned
// want after start. If not, the message names what the call waited for:
// every fake job that ended later than want, on which hop, and why.
func (ch *chain) took(t *testing.T, start time.Time, want time.Duration, why string) {
	t.Helper()
	got := time.Since(start)
	if got >= want && got <= want+time.Millisecond {
		return
	}
	synctest.Wait() // let the jobs that ended at this instant record it
	var late []string
	for _, h := range []*hop{ch.a, ch.b, ch.c} {
		h.mu.Lock()
		for _, s := range h.ended {
			at := s.at.Sub(start)
			switch {
			case at <= want:
			case s.cause == nil:
				late = append(late, fmt.Sprintf("hop %s's %s ran its full time, to %v", h.name, s.job, at))
			default:
				late = append(late, fmt.Sprintf("hop %s's %s ran until its context ended at %v (cause: %v)", h.name, s.job, at, s.cause))
			}
		}
		h.mu.Unlock()
	}
	waited := "no query or log write on any hop ended after " + want.String()
	if len(late) > 0 {
		waited = "the call waited for: " + strings.Join(late, "; ")
	}
	t.Errorf("the call returned after %v, want %v: %s; %s", got, want, why, waited)
}

// count is a server interceptor that counts calls reaching the server.
func count(n *atomic.Int32) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		n.Add(1)
		return handler(ctx, req)
	}
}

// observe is a client interceptor that reports how each call ended.
func observe(ended chan<- codes.Code) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		err := invoker(ctx, method, req, reply, cc, opts...)
		ended <- status.Code(err)
		return err
	}
}

// expectStop waits (on the bubble's clock) for h's job to report that its
// context ended, and returns that report.
func expectStop(t *testing.T, h *hop, job, why string) (stop, bool) {
	t.Helper()
	select {
	case s := <-h.stopped[job]:
		return s, true
	case <-time.After(time.Minute):
		t.Errorf("hop %s: its %s never saw its context end; %s", h.name, job, why)
		return stop{}, false
	}
}

// near checks a duration measured on a bubble's exact clock.
func near(t *testing.T, what string, got, want time.Duration, why string) {
	t.Helper()
	if got > want || got < want-time.Millisecond {
		t.Errorf("%s = %v, want %v: %s", what, got, want, why)
	}
}
