package errorstest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	spb "google.golang.org/genproto/googleapis/rpc/status"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/richerr"
	errlabv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/errlab/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// everything is an ErrorDetails with every field set.
func everything() richerr.ErrorDetails {
	return richerr.ErrorDetails{
		Code:       codes.ResourceExhausted,
		Message:    "quota for user 42 used up",
		Reason:     "QUOTA_EXCEEDED",
		Domain:     richerr.Domain,
		Metadata:   map[string]string{"user_id": "42", "quota": "reads-per-minute"},
		Violations: []richerr.FieldViolation{{Field: "page_size", Description: "must be at most 100"}, {Field: "user_id", Description: "must not be empty"}},
		RetryDelay: 1500 * time.Millisecond,
		TraceID:    "trace-7f3a",
	}
}

// TestBuild: step 1, an ErrorDetails becomes a status with the real
// google.rpc detail messages, in a fixed order.
func TestBuild(t *testing.T, build BuildFunc) {
	t.Run("all_details", func(t *testing.T) {
		err := step1.Check(t, build(everything()))
		st, ok := status.FromError(err)
		if !ok || st.Code() != codes.ResourceExhausted || st.Message() != everything().Message {
			t.Fatalf("Build(...) = %v; want a status error with code ResourceExhausted and the message unchanged", err)
		}
		want := []any{
			&errdetails.ErrorInfo{Reason: "QUOTA_EXCEEDED", Domain: richerr.Domain, Metadata: map[string]string{"user_id": "42", "quota": "reads-per-minute"}},
			&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
				{Field: "page_size", Description: "must be at most 100"}, {Field: "user_id", Description: "must not be empty"}}},
			&errdetails.RetryInfo{RetryDelay: durationpb.New(1500 * time.Millisecond)},
			&errdetails.RequestInfo{RequestId: "trace-7f3a"},
		}
		got := st.Details()
		if len(got) != len(want) {
			t.Fatalf("details = %s; want exactly ErrorInfo, BadRequest, RetryInfo, RequestInfo, one each, in that order", describe(got))
		}
		for i := range want {
			if !protoEqual(got[i], want[i]) {
				t.Errorf("detail %d = %s; want %s", i, describe(got[i:i+1]), describe(want[i:i+1]))
			}
		}
	})

	t.Run("only_what_is_set", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			in   richerr.ErrorDetails
			want []any
		}{
			{"no details", richerr.ErrorDetails{Code: codes.Internal, Message: "disk on fire"}, nil},
			{"trace only", richerr.ErrorDetails{Code: codes.Internal, Message: "x", TraceID: "t1"}, []any{&errdetails.RequestInfo{RequestId: "t1"}}},
			{"retry only", richerr.ErrorDetails{Code: codes.Unavailable, Message: "x", RetryDelay: 2 * time.Second},
				[]any{&errdetails.RetryInfo{RetryDelay: durationpb.New(2 * time.Second)}}},
			{"reason only", richerr.ErrorDetails{Code: codes.NotFound, Message: "x", Reason: "USER_NOT_FOUND", Domain: "d"},
				[]any{&errdetails.ErrorInfo{Reason: "USER_NOT_FOUND", Domain: "d"}}},
		} {
			err := step1.Check(t, build(tc.in))
			if got := status.Code(err); got != tc.in.Code {
				t.Errorf("%s: code %v, want %v (%v)", tc.name, got, tc.in.Code, err)
			}
			got := detailsOf(err).all
			if len(got) != len(tc.want) {
				t.Errorf("%s: details = %s; want %s (a field left zero adds no detail)", tc.name, describe(got), describe(tc.want))
				continue
			}
			for i := range got {
				if !protoEqual(got[i], tc.want[i]) {
					t.Errorf("%s: detail %d = %s; want %s", tc.name, i, describe(got[i:i+1]), describe(tc.want[i:i+1]))
				}
			}
		}
	})

	t.Run("ok_is_nil", func(t *testing.T) {
		if err := build(richerr.ErrorDetails{Code: codes.OK, Message: "fine", TraceID: "t"}); err != nil {
			step1.Check(t, err)
			t.Fatalf("Build(Code OK) = %v; want nil, as status.Error(codes.OK, ...) gives", err)
		}
	})

	t.Run("over_grpc", func(t *testing.T) {
		// The details must survive the wire (grpc-status-details-bin).
		client := serveFunc(t, labkit.Bufconn, func(context.Context, *errlabv1.GetUserRequest) (*errlabv1.GetUserResponse, error) {
			return nil, build(everything())
		})
		_, err := client.GetUser(t.Context(), &errlabv1.GetUserRequest{})
		step1.Check(t, err)
		d := detailsOf(err)
		if status.Code(err) != codes.ResourceExhausted || d.info.GetReason() != "QUOTA_EXCEEDED" || d.req.GetRequestId() != "trace-7f3a" ||
			len(d.bad.GetFieldViolations()) != 2 || d.rty.GetRetryDelay().AsDuration() != 1500*time.Millisecond {
			t.Fatalf("after a gRPC hop: %v with details %s; want every detail intact", err, describe(d.all))
		}
	})
}

// funcServer answers GetUser with a function.
type funcServer struct {
	errlabv1.UnimplementedUserServiceServer
	f func(context.Context, *errlabv1.GetUserRequest) (*errlabv1.GetUserResponse, error)
}

func (s funcServer) GetUser(ctx context.Context, r *errlabv1.GetUserRequest) (*errlabv1.GetUserResponse, error) {
	return s.f(ctx, r)
}

func serveFunc(t *testing.T, tr labkit.Transport, f func(context.Context, *errlabv1.GetUserRequest) (*errlabv1.GetUserResponse, error), opts ...grpc.DialOption) errlabv1.UserServiceClient {
	s := labkit.Serve(t, tr, func(g *grpc.Server) { errlabv1.RegisterUserServiceServer(g, funcServer{f: f}) }, labkit.Options{Client: opts})
	return errlabv1.NewUserServiceClient(s.Conn)
}

// NewServerFunc builds the lab's server from its users.
type NewServerFunc[S errlabv1.UserServiceServer] func([]*errlabv1.User) S

func users() []*errlabv1.User {
	return []*errlabv1.User{
		{UserId: "ada", Name: "Ada Lovelace", Email: "ada@example.com"},
		{UserId: "grace-42", Name: "Grace Hopper", Email: "grace@example.com"},
	}
}

// TestServerErrors: step 2, the server's failures carry reason, field
// violations and the caller's trace id.
func TestServerErrors[S errlabv1.UserServiceServer](t *testing.T, newServer NewServerFunc[S]) {
	t.Run("context_ended", func(t *testing.T) {
		// In process: a caller that already gave up gets its own reason back.
		srv := newServer(users())
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := srv.GetUser(ctx, &errlabv1.GetUserRequest{UserId: "ada"})
		step2.Check(t, err)
		if status.Code(err) != codes.Canceled {
			t.Errorf("GetUser with a cancelled context: %v; want Canceled", err)
		}
		ctx, cancel = context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
		defer cancel()
		_, err = srv.GetUser(ctx, &errlabv1.GetUserRequest{UserId: "nobody"})
		step2.Check(t, err)
		if status.Code(err) != codes.DeadlineExceeded {
			t.Errorf("GetUser past its deadline: %v; want DeadlineExceeded, before any lookup", err)
		}
	})

	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		s := labkit.Serve(t, tr, func(g *grpc.Server) { errlabv1.RegisterUserServiceServer(g, newServer(users())) }, labkit.Options{})
		client := errlabv1.NewUserServiceClient(s.Conn)
		withTrace := metadata.AppendToOutgoingContext(t.Context(), richerr.TraceHeader, "trace-from-client")

		resp, err := client.GetUser(withTrace, &errlabv1.GetUserRequest{UserId: "grace-42"})
		step2.Require(t, err)
		if !proto.Equal(resp.GetUser(), users()[1]) {
			t.Fatalf("GetUser(grace-42) = {%v}, want {%v}", resp.GetUser(), users()[1])
		}

		for _, id := range []string{"", "Ada", "bad id!", strings.Repeat("a", 33)} {
			_, err := client.GetUser(withTrace, &errlabv1.GetUserRequest{UserId: id})
			if step2.Check(t, err) == nil {
				t.Fatalf("GetUser(%q) succeeded; a malformed id is InvalidArgument", id)
			}
			d := detailsOf(err)
			if status.Code(err) != codes.InvalidArgument {
				t.Errorf("GetUser(%q): code %v, want InvalidArgument (%v)", id, status.Code(err), err)
			}
			if v := d.bad.GetFieldViolations(); len(v) != 1 || v[0].GetField() != "user_id" || v[0].GetDescription() == "" {
				t.Errorf("GetUser(%q): BadRequest = {%v}; want one field violation for \"user_id\" with a description, so a form can point at the field", id, d.bad)
			}
			if d.info.GetReason() != richerr.ReasonInvalidUserID || d.info.GetDomain() != richerr.Domain {
				t.Errorf("GetUser(%q): ErrorInfo = {%v}; want reason %s, domain %s", id, d.info, richerr.ReasonInvalidUserID, richerr.Domain)
			}
			if d.req.GetRequestId() != "trace-from-client" {
				t.Errorf("GetUser(%q): RequestInfo = {%v}; want request_id \"trace-from-client\", the %s the caller sent", id, d.req, richerr.TraceHeader)
			}
		}

		_, err = client.GetUser(withTrace, &errlabv1.GetUserRequest{UserId: "nobody"})
		if step2.Check(t, err) == nil {
			t.Fatal("GetUser(nobody) succeeded; an unknown user is NotFound")
		}
		d := detailsOf(err)
		if status.Code(err) != codes.NotFound || !strings.Contains(status.Convert(err).Message(), "nobody") {
			t.Errorf("GetUser(nobody) = %v; want NotFound with a message naming the id", err)
		}
		if d.info.GetReason() != richerr.ReasonUserNotFound || d.info.GetDomain() != richerr.Domain || d.info.GetMetadata()["user_id"] != "nobody" {
			t.Errorf("GetUser(nobody): ErrorInfo = {%v}; want reason %s, domain %s, metadata user_id=nobody", d.info, richerr.ReasonUserNotFound, richerr.Domain)
		}
		if d.bad != nil {
			t.Errorf("GetUser(nobody): BadRequest = {%v}; the request was well-formed, so no field violation", d.bad)
		}
		if d.req.GetRequestId() != "trace-from-client" {
			t.Errorf("GetUser(nobody): RequestInfo = {%v}; want the caller's trace id", d.req)
		}

		// No trace id sent: no RequestInfo invented.
		_, err = client.GetUser(t.Context(), &errlabv1.GetUserRequest{UserId: "nobody"})
		step2.Check(t, err)
		if d := detailsOf(err); d.req != nil {
			t.Errorf("without %s, RequestInfo = {%v}; want none (an empty trace id adds no detail)", richerr.TraceHeader, d.req)
		}
	})
}

// TestParse: step 3, any error from a call becomes an ErrorDetails.
func TestParse(t *testing.T, parse ParseFunc, build BuildFunc) {
	check := func(t *testing.T, name string, err error, want richerr.ErrorDetails) {
		t.Helper()
		got := parse(err)
		step3.Check(t, todoIn(got))
		if !sameDetails(got, want) {
			t.Errorf("%s: Parse = %+v\n\twant %+v", name, got, want)
		}
	}

	check(t, "nil", nil, richerr.ErrorDetails{Code: codes.OK})
	check(t, "plain error", errors.New("boom"), richerr.ErrorDetails{Code: codes.Unknown, Message: "boom"})
	check(t, "context error", status.FromContextError(context.DeadlineExceeded).Err(),
		richerr.ErrorDetails{Code: codes.DeadlineExceeded, Message: context.DeadlineExceeded.Error()})

	all := statusWith(t, codes.ResourceExhausted, "quota for user 42 used up",
		&errdetails.ErrorInfo{Reason: "QUOTA_EXCEEDED", Domain: richerr.Domain, Metadata: map[string]string{"user_id": "42", "quota": "reads-per-minute"}},
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
			{Field: "page_size", Description: "must be at most 100"}, {Field: "user_id", Description: "must not be empty"}}},
		&errdetails.RetryInfo{RetryDelay: durationpb.New(1500 * time.Millisecond)},
		&errdetails.RequestInfo{RequestId: "trace-7f3a", ServingData: "replica-3"},
	)
	check(t, "every detail", all, everything())

	// Details in another order, kinds Parse does not know, and repeats:
	// the unknown are skipped and the first of a kind wins.
	mixed := statusWith(t, codes.NotFound, "user \"x\" not found",
		&errdetails.DebugInfo{Detail: "stack trace here"},
		&errdetails.RequestInfo{RequestId: "first"},
		&errdetails.ErrorInfo{Reason: "USER_NOT_FOUND", Domain: "d1"},
		&errdetails.QuotaFailure{},
		&errdetails.ErrorInfo{Reason: "SECOND", Domain: "d2"},
		&errdetails.RequestInfo{RequestId: "second"},
	)
	check(t, "mixed and repeated", mixed, richerr.ErrorDetails{
		Code: codes.NotFound, Message: "user \"x\" not found", Reason: "USER_NOT_FOUND", Domain: "d1", TraceID: "first"})

	check(t, "negative retry delay", statusWith(t, codes.Unavailable, "x", &errdetails.RetryInfo{RetryDelay: durationpb.New(-time.Second)}),
		richerr.ErrorDetails{Code: codes.Unavailable, Message: "x"})
	check(t, "retry info without a delay", statusWith(t, codes.Unavailable, "x", &errdetails.RetryInfo{}),
		richerr.ErrorDetails{Code: codes.Unavailable, Message: "x"})

	// Wrapping keeps the code and details (status.FromError looks through
	// %w); the message then is the whole wrapped text.
	wrapped := parse(fmt.Errorf("loading profile: %w", mixed))
	step3.Check(t, todoIn(wrapped))
	if wrapped.Code != codes.NotFound || wrapped.Reason != "USER_NOT_FOUND" || wrapped.TraceID != "first" {
		t.Errorf("Parse(wrapped NotFound) = %+v; want code, reason and trace id kept through %%w", wrapped)
	}

	t.Run("over_grpc", func(t *testing.T) {
		client := serveFunc(t, labkit.Bufconn, func(context.Context, *errlabv1.GetUserRequest) (*errlabv1.GetUserResponse, error) {
			return nil, all
		})
		_, err := client.GetUser(t.Context(), &errlabv1.GetUserRequest{})
		check(t, "after a gRPC hop", err, everything())
	})

	t.Run("round_trip", func(t *testing.T) {
		for _, d := range []richerr.ErrorDetails{
			everything(),
			{Code: codes.Internal, Message: "only a message"},
			{Code: codes.NotFound, Message: "m", Reason: "R", Domain: "d", Metadata: map[string]string{"k": "v"}, TraceID: "t"},
			{Code: codes.InvalidArgument, Message: "m", Violations: []richerr.FieldViolation{{Field: "a.b[0]", Description: "bad"}}},
		} {
			err := build(d)
			step1.Check(t, err)
			check(t, "Parse(Build(d))", err, d)
		}
	})
}

// FuzzParse: step 3, error bytes come from the network: Parse never panics,
// keeps the code, and never reports a negative retry delay.
func FuzzParse(f *testing.F, parse ParseFunc) {
	for _, ds := range [][]*errdetails.RetryInfo{nil, {{RetryDelay: durationpb.New(time.Second)}}, {{RetryDelay: &durationpb.Duration{Seconds: -1 << 62}}}} {
		st := status.New(codes.Unavailable, "seed")
		for _, d := range ds {
			st, _ = st.WithDetails(d)
		}
		b, _ := proto.Marshal(st.Proto())
		f.Add(b)
	}
	f.Add([]byte{0x08, 0x05, 0x12, 0x01, 'x', 0x1a, 0x03, 0x0a, 0x01, 'y'}) // NotFound with a broken Any
	f.Fuzz(func(t *testing.T, b []byte) {
		var sp spb.Status
		if proto.Unmarshal(b, &sp) != nil {
			return
		}
		err := status.ErrorProto(&sp)
		d := parse(err)
		step3.Check(t, todoIn(d))
		if want := codes.Code(sp.GetCode()); d.Code != want {
			t.Fatalf("Parse: code %v, want %v", d.Code, want)
		}
		if d.RetryDelay < 0 {
			t.Fatalf("Parse: RetryDelay %v; a negative delay must be reported as 0", d.RetryDelay)
		}
	})
}
