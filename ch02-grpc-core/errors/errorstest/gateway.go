package errorstest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/richerr"
	errlabv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/errlab/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// httpFor is the mapping google.rpc.Code documents on each value
// ("HTTP Mapping: ..."); TestHTTPStatus also re-reads it from the source.
var httpFor = map[codes.Code]int{
	codes.OK:                 200,
	codes.Canceled:           499,
	codes.Unknown:            500,
	codes.InvalidArgument:    400,
	codes.DeadlineExceeded:   504,
	codes.NotFound:           404,
	codes.AlreadyExists:      409,
	codes.PermissionDenied:   403,
	codes.ResourceExhausted:  429,
	codes.FailedPrecondition: 400,
	codes.Aborted:            409,
	codes.OutOfRange:         400,
	codes.Unimplemented:      501,
	codes.Internal:           500,
	codes.Unavailable:        503,
	codes.DataLoss:           500,
	codes.Unauthenticated:    401,
}

// rpcCodeName is google.rpc.Code's spelling, which the envelope uses.
var rpcCodeName = map[codes.Code]string{
	codes.OK: "OK", codes.Canceled: "CANCELLED", codes.Unknown: "UNKNOWN", codes.InvalidArgument: "INVALID_ARGUMENT",
	codes.DeadlineExceeded: "DEADLINE_EXCEEDED", codes.NotFound: "NOT_FOUND", codes.AlreadyExists: "ALREADY_EXISTS",
	codes.PermissionDenied: "PERMISSION_DENIED", codes.ResourceExhausted: "RESOURCE_EXHAUSTED",
	codes.FailedPrecondition: "FAILED_PRECONDITION", codes.Aborted: "ABORTED", codes.OutOfRange: "OUT_OF_RANGE",
	codes.Unimplemented: "UNIMPLEMENTED", codes.Internal: "INTERNAL", codes.Unavailable: "UNAVAILABLE",
	codes.DataLoss: "DATA_LOSS", codes.Unauthenticated: "UNAUTHENTICATED",
}

// TestHTTPStatus: step 4, every gRPC code gets the HTTP status gRPC's
// google.rpc.Code documents.
func TestHTTPStatus(t *testing.T, httpStatus HTTPStatusFunc) {
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		got := httpStatus(c)
		if got == 0 {
			step4.Check(t, labkit.TODO("HTTPStatus"))
		}
		if got != httpFor[c] {
			t.Errorf("HTTPStatus(%v) = %d, want %d (google.rpc.Code: HTTP Mapping)", c, got, httpFor[c])
		}
	}
	if got := httpStatus(codes.Code(99)); got != 500 {
		t.Errorf("HTTPStatus(code 99) = %d, want 500: a code nobody knows is treated as Unknown", got)
	}

	t.Run("documented", func(t *testing.T) {
		// Cross-check the table above against the comments in the genproto
		// module this chapter builds with.
		goTool := labkit.LookTool(t, "go", "golang-go")
		out, err := exec.Command(goTool, "list", "-m", "-f", "{{.Dir}}", "google.golang.org/genproto/googleapis/rpc").Output()
		if err != nil {
			skipOrFail(t, "cannot locate the genproto module (%v); the table above is the documented one", err)
		}
		doc := documentedMapping(t, strings.TrimSpace(string(out))+"/code/code.pb.go")
		if len(doc) != 17 {
			t.Fatalf("found %d HTTP mappings in code.pb.go, want 17: %v", len(doc), doc)
		}
		for c, want := range doc {
			if httpFor[c] != want {
				t.Errorf("suite table says %v → %d, google.rpc.Code says %d", c, httpFor[c], want)
			}
		}
	})
}

func documentedMapping(t *testing.T, file string) map[codes.Code]int {
	src, err := os.ReadFile(file)
	if err != nil {
		skipOrFail(t, "cannot read %s: %v", file, err)
	}
	mapping := regexp.MustCompile(`HTTP Mapping: (\d{3})`)
	value := regexp.MustCompile(`^\s*Code_[A-Z_]+ Code = (\d+)$`)
	doc := map[codes.Code]int{}
	last := 0
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		if m := mapping.FindStringSubmatch(sc.Text()); m != nil {
			last, _ = strconv.Atoi(m[1])
		} else if m := value.FindStringSubmatch(sc.Text()); m != nil && last != 0 {
			n, _ := strconv.Atoi(m[1])
			doc[codes.Code(n)] = last
			last = 0
		}
	}
	return doc
}

// skipOrFail skips a cross-check that cannot run here, except in CI
// (LAB_REQUIRE_TOOLS=1), where it must run.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv(labkit.RequireToolsEnv) == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// NewGatewayFunc builds the lab's gateway: a backend client, a clock and a
// trace id maker.
type NewGatewayFunc[H http.Handler] func(errlabv1.UserServiceClient, func() time.Time, func() string) H

// backend answers GET /users/{id} by script: "code-N" fails with code N
// (N=0 succeeds), and records the trace ids it was sent.
type backend struct {
	mu     sync.Mutex
	traces []string
	extra  map[string]error // ids with a prepared error
}

func (b *backend) getUser(ctx context.Context, r *errlabv1.GetUserRequest) (*errlabv1.GetUserResponse, error) {
	b.mu.Lock()
	b.traces = append(b.traces, richerr.IncomingTraceID(ctx))
	b.mu.Unlock()
	if err, ok := b.extra[r.GetUserId()]; ok {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimPrefix(r.GetUserId(), "code-"))
	if err != nil {
		return nil, status.Errorf(codes.Internal, "test backend: no script for %q", r.GetUserId())
	}
	if n == 0 {
		return &errlabv1.GetUserResponse{User: &errlabv1.User{UserId: r.GetUserId(), Name: "Ok Person"}}, nil
	}
	return nil, status.Errorf(codes.Code(n), "scripted %v", codes.Code(n))
}

func (b *backend) lastTrace() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.traces) == 0 {
		return ""
	}
	return b.traces[len(b.traces)-1]
}

type envelope struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Timestamp string `json:"timestamp"`
	TraceID   string `json:"traceId"`
}

// get calls the gateway; a 501 whose body starts with the TODO text is the
// exercise's signal.
func get(t *testing.T, h http.Handler, path, trace string) (*httptest.ResponseRecorder, envelope) {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, path, nil)
	if trace != "" {
		req.Header.Set(richerr.TraceHeader, trace)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code == 501 && strings.HasPrefix(body, "TODO: implement ") {
		step5.Check(t, labkit.TODO(strings.TrimSpace(strings.TrimPrefix(body, "TODO: implement "))))
	}
	var env envelope
	if rec.Code != 200 {
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("GET %s: Content-Type %q, want application/json for the error envelope", path, ct)
		}
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&env); err != nil {
			t.Fatalf("GET %s: status %d, body %q is not the envelope {code, message, timestamp, traceId}: %v", path, rec.Code, body, err)
		}
	}
	return rec, env
}

// TestGateway: step 5, the gateway turns every gRPC failure into the
// mapped HTTP status and the JSON envelope.
func TestGateway[H http.Handler, S errlabv1.UserServiceServer](t *testing.T, newGateway NewGatewayFunc[H], newServer NewServerFunc[S]) {
	// A clock in UTC+8: the envelope must still say UTC ("Z").
	clock := func() time.Time { return time.Date(2026, 10, 1, 20, 0, 0, 0, time.FixedZone("CST", 8*3600)) }
	const stamp = "2026-10-01T12:00:00Z"
	n := 0
	newTrace := func() string { n++; return fmt.Sprintf("generated-%d", n) }

	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		b := &backend{extra: map[string]error{
			"with-reason": statusWith(t, codes.NotFound, "user \"with-reason\" not found",
				&errdetails.ErrorInfo{Reason: richerr.ReasonUserNotFound, Domain: richerr.Domain}),
			"deep-trace": statusWith(t, codes.Internal, "db exploded",
				&errdetails.RequestInfo{RequestId: "trace-from-service-c"}),
			"busy": statusWith(t, codes.Unavailable, "shedding load",
				&errdetails.RetryInfo{RetryDelay: durationpb.New(1500 * time.Millisecond)}),
		}}
		gw := newGateway(serveFunc(t, tr, b.getUser), clock, newTrace)

		t.Run("every_code", func(t *testing.T) {
			for c := codes.OK; c <= codes.Unauthenticated; c++ {
				path := fmt.Sprintf("/users/code-%d", c)
				rec, env := get(t, gw, path, "edge-trace")
				if rec.Code != httpFor[c] {
					t.Errorf("GET %s (backend says %v): HTTP %d, want %d", path, c, rec.Code, httpFor[c])
				}
				if got := rec.Header().Get(richerr.TraceHeader); got != "edge-trace" {
					t.Errorf("GET %s: response header %s = %q, want the request's \"edge-trace\"", path, richerr.TraceHeader, got)
				}
				if c == codes.OK {
					if !strings.Contains(rec.Body.String(), "Ok Person") {
						t.Errorf("GET %s: body %q, want the user", path, rec.Body.String())
					}
					continue
				}
				want := envelope{Code: rpcCodeName[c], Message: "scripted " + c.String(), Timestamp: stamp, TraceID: "edge-trace"}
				if env != want {
					t.Errorf("GET %s: envelope %+v\n\twant %+v (code: the google.rpc.Code name when there is no ErrorInfo)", path, env, want)
				}
			}
		})

		t.Run("reason_wins", func(t *testing.T) {
			rec, env := get(t, gw, "/users/with-reason", "t1")
			if rec.Code != 404 || env.Code != richerr.ReasonUserNotFound {
				t.Errorf("backend NotFound with ErrorInfo: HTTP %d, code %q; want 404 and %q, the business reason", rec.Code, env.Code, richerr.ReasonUserNotFound)
			}
		})

		t.Run("trace_ids", func(t *testing.T) {
			_, env := get(t, gw, "/users/deep-trace", "edge-trace")
			if env.TraceID != "trace-from-service-c" {
				t.Errorf("traceId = %q; want the failed service's RequestInfo id \"trace-from-service-c\" over the request header", env.TraceID)
			}
			rec, env := get(t, gw, "/users/code-5", "")
			sent := b.lastTrace()
			if !strings.HasPrefix(sent, "generated-") || env.TraceID != sent || rec.Header().Get(richerr.TraceHeader) != sent {
				t.Errorf("without a trace header: backend got %q, envelope %q, response header %q; want one new id from newTraceID in all three",
					sent, env.TraceID, rec.Header().Get(richerr.TraceHeader))
			}
			get(t, gw, "/users/code-5", "from-browser")
			if got := b.lastTrace(); got != "from-browser" {
				t.Errorf("backend got trace id %q in metadata %s, want the request's \"from-browser\"", got, richerr.TraceHeader)
			}
			// A trace id is echoed, sent on and logged: one that is too
			// long or not plain is replaced, like a missing one.
			for _, bad := range []string{strings.Repeat("a", 2000), strings.Repeat("b", richerr.MaxTraceIDLen+1), "two words", "x\x1b[31m", "quote\"d"} {
				rec, env := get(t, gw, "/users/code-5", bad)
				sent := b.lastTrace()
				if !strings.HasPrefix(sent, "generated-") || env.TraceID != sent || rec.Header().Get(richerr.TraceHeader) != sent {
					t.Errorf("trace header %.20q (%d bytes): backend got %.20q, envelope %.20q, response header %.20q; want a new id from newTraceID in all three",
						bad, len(bad), sent, env.TraceID, rec.Header().Get(richerr.TraceHeader))
				}
			}
		})

		t.Run("retry_after", func(t *testing.T) {
			rec, env := get(t, gw, "/users/busy", "t")
			if rec.Code != 503 || env.Code != "UNAVAILABLE" {
				t.Errorf("busy backend: HTTP %d, code %q; want 503 UNAVAILABLE", rec.Code, env.Code)
			}
			if got := rec.Header().Get("Retry-After"); got != "2" {
				t.Errorf("RetryInfo 1.5s: Retry-After %q, want \"2\" (whole seconds, rounded up so nobody comes back early)", got)
			}
			rec, _ = get(t, gw, "/users/code-14", "t")
			if got := rec.Header().Get("Retry-After"); got != "" {
				t.Errorf("Unavailable without RetryInfo: Retry-After %q, want none", got)
			}
		})
	})

	t.Run("with_your_server", func(t *testing.T) {
		s := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) { errlabv1.RegisterUserServiceServer(g, newServer(users())) }, labkit.Options{})
		gw := newGateway(errlabv1.NewUserServiceClient(s.Conn), clock, newTrace)
		rec, env := get(t, gw, "/users/nobody", "abc123xyz")
		step2.Check(t, status.Error(codes.Code(codeOfEnvelope(env)), env.Message))
		want := envelope{Code: richerr.ReasonUserNotFound, Message: `user "nobody" not found`, Timestamp: stamp, TraceID: "abc123xyz"}
		if rec.Code != 404 || env.Code != want.Code || env.TraceID != want.TraceID || env.Timestamp != stamp || !strings.Contains(env.Message, "nobody") {
			t.Errorf("GET /users/nobody through your server: HTTP %d %+v; want 404 %+v", rec.Code, env, want)
		}
		rec, env = get(t, gw, "/users/Bad_Id", "t2")
		if rec.Code != 400 || env.Code != richerr.ReasonInvalidUserID {
			t.Errorf("GET /users/Bad_Id through your server: HTTP %d code %q; want 400 %s", rec.Code, env.Code, richerr.ReasonInvalidUserID)
		}
	})
}

// codeOfEnvelope lets a TODO from the server (step 2) show as a TODO.
func codeOfEnvelope(env envelope) codes.Code {
	if env.Code == "UNIMPLEMENTED" {
		return codes.Unimplemented
	}
	return codes.Unknown
}
