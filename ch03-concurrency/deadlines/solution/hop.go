package solution

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	hopv1 "github.com/grpclabs/labs/ch03-concurrency/gen/hop/v1"
)

// The functions a hop depends on. They are plain func types (aliases), so
// any package can provide them, the suite's fakes included.
type (
	// QueryFunc runs a database query; it must stop when ctx ends.
	QueryFunc = func(ctx context.Context, query string) (rows string, err error)
	// LogFunc writes one log line; it must stop when ctx ends.
	LogFunc = func(ctx context.Context, line string) error
	// AuditFunc records how a request ended on a hop. Its ctx carries the
	// request's values (the request id) but not its cancellation.
	AuditFunc = func(ctx context.Context, hop string, code codes.Code)
)

// Config describes one hop.
type Config struct {
	Name string
	// Next is the next hop's client; nil for the last hop.
	Next hopv1.HopServiceClient
	// Reserve is the time this hop keeps for itself: the next hop gets the
	// caller's deadline minus Reserve.
	Reserve time.Duration
	Query   QueryFunc
	Log     LogFunc
	// Audit, if set, is called once per request after it ended, with a
	// context that lives for at most AuditTimeout.
	Audit        AuditFunc
	AuditTimeout time.Duration
}

// Hop is one HopService server: it queries its database, writes a log
// line and calls the next hop, all at once and all under the request's
// context.
type Hop struct {
	hopv1.UnimplementedHopServiceServer
	cfg Config
}

// NewHop returns a hop configured by cfg.
func NewHop(cfg Config) *Hop { return &Hop{cfg: cfg} }

// Call implements hopv1.HopServiceServer: it notes what the request
// brought, registers the audit (step 5), runs the hop's jobs (steps 3 and
// 4), and answers with the next hop's traces plus its own.
func (h *Hop) Call(ctx context.Context, req *hopv1.CallRequest) (*hopv1.CallResponse, error) {
	var budget time.Duration
	if dl, ok := ctx.Deadline(); ok {
		budget = time.Until(dl)
	}
	id, _ := RequestID(ctx)

	// The code the request ended with, for the audit; -1 while running.
	var outcome atomic.Int64
	outcome.Store(-1)
	if h.cfg.Audit != nil {
		if err := h.audit(ctx, &outcome); err != nil {
			return nil, err
		}
	}

	rows, next, err := h.work(ctx, req)
	outcome.Store(int64(status.Code(err)))
	if err != nil {
		return nil, err
	}
	resp := &hopv1.CallResponse{Hops: next.GetHops()}
	resp.Hops = append(resp.Hops, &hopv1.HopTrace{
		Hop: h.cfg.Name, Budget: durationpb.New(budget), RequestId: id, Rows: rows,
	})
	return resp, nil
}

// work runs the hop's three jobs at once: the query, the log line and the
// call to the next hop (nil next for the last hop).
func (h *Hop) work(ctx context.Context, req *hopv1.CallRequest) (rows string, next *hopv1.CallResponse, err error) {
	g := newGroup(ctx, h.cfg.Name)
	defer g.stop()

	// Fail fast, before starting anything, if the budget is too small.
	// The next hop's context comes from the group's, so a failed sibling
	// cancels the remote call too.
	nextCtx, cancelNext, err := Budget(g.ctx, h.cfg.Name, h.cfg.Reserve)
	if err != nil {
		return "", nil, err
	}
	defer cancelNext()

	var wg sync.WaitGroup
	wg.Go(func() {
		r, err := h.cfg.Query(g.ctx, req.GetQuery())
		if err != nil {
			g.fail("query", err)
			return
		}
		rows = r
	})
	wg.Go(func() {
		id, _ := RequestID(ctx)
		if err := h.cfg.Log(g.ctx, fmt.Sprintf("hop %s: request %s: query %q", h.cfg.Name, id, req.GetQuery())); err != nil {
			g.fail("log", err)
		}
	})
	if h.cfg.Next != nil {
		wg.Go(func() {
			resp, err := h.cfg.Next.Call(nextCtx, req)
			if err != nil {
				// The next hop's deadline is ours minus the reserve, so it
				// may report DeadlineExceeded a moment before our own timer
				// fires. Once the deadline has passed, wait for that timer,
				// so the cause below is the real one.
				if dl, ok := nextCtx.Deadline(); ok && !time.Now().Before(dl) {
					<-nextCtx.Done()
				}
				if nextCtx.Err() != nil {
					// Say why our side gave up: the reserve, a sibling's
					// failure, or the caller. %w keeps the status code.
					err = fmt.Errorf("%w (cause: %v)", err, context.Cause(nextCtx))
				}
				g.fail("next hop", err)
				return
			}
			next = resp
		})
	}
	wg.Wait()

	if err := g.err(); err != nil {
		return "", nil, err
	}
	return rows, next, nil
}

// group is a hop's jobs failing together: they run under ctx, and the
// first one to fail cancels the others with its error as the cause, so
// they (and the next hop, whose call is cancelled over the wire) stop, and
// can tell why.
type group struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	hop    string
}

func newGroup(ctx context.Context, hop string) *group {
	ctx, cancel := context.WithCancelCause(ctx)
	return &group{ctx: ctx, cancel: cancel, hop: hop}
}

// fail reports that job failed with err. Only the first cause sticks.
func (g *group) fail(job string, err error) {
	g.cancel(fmt.Errorf("hop %s: %s: %w", g.hop, job, err))
}

// err is, once every job is done, what the hop returns: nil if none
// failed, else the first failure (or the caller's cancellation) as a
// status.
func (g *group) err() error {
	if g.ctx.Err() == nil {
		return nil
	}
	return toStatus(context.Cause(g.ctx))
}

// stop releases the group's context.
func (g *group) stop() { g.cancel(nil) }

// toStatus turns a job's failure into the status this hop returns: a
// downstream status keeps its code, a context error becomes Canceled or
// DeadlineExceeded, anything else is Internal. The message keeps the whole
// chain of causes.
func toStatus(err error) error {
	if s, ok := status.FromError(err); ok {
		return s.Err()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return status.Error(status.FromContextError(err).Code(), err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}

// audit registers the audit write, which runs when the request's context
// ends: after the response was sent (gRPC cancels a handler's context when
// its RPC finishes), or the moment the caller gives up, even if this
// handler is still stuck. outcome is the code Call ended with, -1 while
// it runs. It returns nil: only the exercise's stand-in fails.
func (h *Hop) audit(ctx context.Context, outcome *atomic.Int64) error {
	context.AfterFunc(ctx, func() {
		code := status.FromContextError(ctx.Err()).Code() // the caller left before we finished...
		if o := outcome.Load(); o >= 0 {                  // ...unless we had
			code = codes.Code(o)
		}
		// WithoutCancel keeps the request id but drops the cancellation
		// that triggered us; the timeout keeps a stuck audit store from
		// holding this goroutine forever.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.cfg.AuditTimeout)
		defer cancel()
		h.cfg.Audit(actx, h.cfg.Name, code)
	})
	return nil
}
