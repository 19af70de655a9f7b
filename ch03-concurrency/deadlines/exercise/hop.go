package exercise

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"

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

// Call implements hopv1.HopServiceServer. It grows over three steps:
//
//   - Step 3: note the budget (time left on ctx) and the request id; get
//     the next hop's context from Budget (its error goes back as is, before
//     any work); run the query, the log line and the call to the next hop
//     (if any) at once; answer with the next hop's traces plus your own
//     HopTrace{Hop, Budget, RequestId, Rows}, or with a failed job's error.
//     When the call to the next hop fails after its context ended, add
//     context.Cause to the error (%w keeps the status code) so your caller
//     learns why; at the deadline instant itself, wait for that context's
//     Done first (README step 3, hint 2).
//   - Step 4: the first job that fails cancels the others, with its error
//     as the cause (context.WithCancelCause); return that first error as a
//     status: a gRPC status keeps its code, a context error becomes
//     Canceled/DeadlineExceeded, anything else Internal.
//   - Step 5: register the audit write with context.AfterFunc (Audit is
//     optional: nil means no audit).
func (h *Hop) Call(ctx context.Context, req *hopv1.CallRequest) (*hopv1.CallResponse, error) {
	return nil, labkit.TODO("Hop.Call")
}
