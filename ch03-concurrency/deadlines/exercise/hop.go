package exercise

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	hopv1 "github.com/grpclabs/labs/ch03-concurrency/gen/hop/v1"
	"github.com/grpclabs/labs/scripts/labkit"
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

// Call implements hopv1.HopServiceServer. It is given: it notes what the
// request brought (its budget, its request id), registers the audit (step
// 5), runs the hop's jobs (steps 3 and 4), and answers with the next hop's
// traces plus its own.
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
//
// Step 3: make a group (newGroup) and get the next hop's context from
// Budget(g.ctx, ...): its error goes back as is, before any job starts.
// Then run the query, the log line and the call to the next hop (if any)
// at once, under g.ctx; a job that fails reports it with g.fail. After
// they all ended, g.err() is what a failed hop returns. When the call to
// the next hop fails after its context ended, add context.Cause to the
// error (%w keeps the status code) so your caller learns why; at the
// deadline instant itself, wait for that context's Done first (README step
// 3, hint 2).
func (h *Hop) work(ctx context.Context, req *hopv1.CallRequest) (rows string, next *hopv1.CallResponse, err error) {
	return "", nil, labkit.TODO("Hop.work")
}

// group is a hop's jobs failing together: they run under ctx, and fail
// reports a job's failure.
//
// Step 4: the first job that fails cancels the others, with its error as
// the cause (context.WithCancelCause), and err returns that first error as
// a status: a gRPC status keeps its code, a context error becomes
// Canceled/DeadlineExceeded, anything else Internal.
//
// The stand-in below cancels nothing and returns the first error as it
// came, which is all step 3 needs, and the TODO signal once a job other
// than the call to the next hop has failed.
type group struct {
	ctx   context.Context
	hop   string
	mu    sync.Mutex
	first error
	todo  bool
}

func newGroup(ctx context.Context, hop string) *group {
	return &group{ctx: ctx, hop: hop}
}

// fail reports that job failed with err.
func (g *group) fail(job string, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.first == nil {
		g.first = fmt.Errorf("hop %s: %s: %w", g.hop, job, err)
	}
	g.todo = g.todo || job != "next hop"
}

// err is, once every job is done, what the hop returns: nil if none
// failed.
func (g *group) err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.todo {
		return labkit.TODO("group")
	}
	return g.first
}

// stop releases what the group holds.
func (g *group) stop() {}

// audit registers the audit write; outcome is the code Call ended with,
// -1 while it runs. An error ends the call before any work.
//
// Step 5: register the write with context.AfterFunc: it runs when the
// request's context ends (after the response, or the moment the caller
// gives up). Give Audit context.WithoutCancel(ctx) (keeps the request id,
// drops the cancellation) bounded by AuditTimeout, and the code the
// request ended with (the caller's cancellation if Call has not returned).
func (h *Hop) audit(ctx context.Context, outcome *atomic.Int64) error {
	return labkit.TODO("Hop.audit")
}
