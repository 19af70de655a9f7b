package solution

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/richerr"
	errlabv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/errlab/v1"
)

// HTTPStatus is the HTTP status for a gRPC code, as google.rpc.Code
// documents it ("HTTP Mapping: ..." on each value). A code outside the 17
// is treated as Unknown.
func HTTPStatus(c codes.Code) int {
	switch c {
	case codes.OK:
		return http.StatusOK
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange:
		// All three are the caller's to fix; HTTP has no finer words for them.
		return http.StatusBadRequest
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.NotFound:
		return http.StatusNotFound
	case codes.AlreadyExists, codes.Aborted:
		return http.StatusConflict
	case codes.ResourceExhausted:
		return http.StatusTooManyRequests
	case codes.Canceled:
		return 499 // "Client Closed Request", nginx's code; net/http has no name for it
	case codes.Unimplemented:
		return http.StatusNotImplemented
	case codes.Unavailable:
		return http.StatusServiceUnavailable
	case codes.DeadlineExceeded:
		return http.StatusGatewayTimeout
	default: // Unknown, Internal, DataLoss, and anything unknown
		return http.StatusInternalServerError
	}
}

// Gateway serves GET /users/{id} over HTTP by calling UserService over
// gRPC, and turns every failure into a [richerr.Envelope].
type Gateway struct {
	client     errlabv1.UserServiceClient
	now        func() time.Time
	newTraceID func() string
	mux        *http.ServeMux
}

// NewGateway returns a gateway in front of client. now is the clock for
// envelope timestamps (nil: time.Now); newTraceID makes the trace id of a
// request that came without a usable one (nil: 16 random hex characters).
func NewGateway(client errlabv1.UserServiceClient, now func() time.Time, newTraceID func() string) *Gateway {
	if now == nil {
		now = time.Now
	}
	if newTraceID == nil {
		newTraceID = randomTraceID
	}
	g := &Gateway{client: client, now: now, newTraceID: newTraceID, mux: http.NewServeMux()}
	g.mux.HandleFunc("GET /users/{id}", g.getUser)
	return g
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.mux.ServeHTTP(w, r) }

func (g *Gateway) getUser(w http.ResponseWriter, r *http.Request) {
	// A caller's trace id is kept only if it is short and plain: it is
	// echoed back, sent on, and logged. Anything else gets a fresh one.
	trace := r.Header.Get(richerr.TraceHeader)
	if !richerr.ValidTraceID(trace) {
		trace = g.newTraceID()
	}
	w.Header().Set(richerr.TraceHeader, trace)
	// The trace id travels to the backend as metadata, so its errors (and
	// its own outgoing calls) carry the same id.
	ctx := metadata.AppendToOutgoingContext(r.Context(), richerr.TraceHeader, trace)
	resp, err := g.client.GetUser(ctx, &errlabv1.GetUserRequest{UserId: r.PathValue("id")})
	if err != nil {
		g.writeError(w, trace, err)
		return
	}
	u := resp.GetUser()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"userId": u.GetUserId(), "name": u.GetName(), "email": u.GetEmail()})
}

// writeError answers with the envelope for err: the mapped HTTP status, a
// JSON body, and Retry-After when the backend asked for a pause. traceID
// is the request's own; a RequestInfo in the error takes precedence, since
// the service that failed knows best which trace it logged the failure under.
func (g *Gateway) writeError(w http.ResponseWriter, traceID string, err error) {
	d := Parse(err)
	env := richerr.Envelope{
		Code:      d.Reason,
		Message:   d.Message,
		Timestamp: g.now().UTC().Format(time.RFC3339),
		TraceID:   traceID,
	}
	if env.Code == "" {
		env.Code = code.Code(d.Code).String()
	}
	if d.TraceID != "" {
		env.TraceID = d.TraceID
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if d.RetryDelay > 0 {
		// Retry-After counts whole seconds; round up so the client never
		// comes back early.
		h.Set("Retry-After", strconv.FormatInt(int64((d.RetryDelay+time.Second-1)/time.Second), 10))
	}
	w.WriteHeader(HTTPStatus(d.Code))
	_ = json.NewEncoder(w).Encode(env)
}

func randomTraceID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}
