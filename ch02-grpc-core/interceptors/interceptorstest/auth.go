package interceptorstest

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	notev1 "github.com/grpclabs/labs/ch02-grpc-core/gen/interceptors/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
	"github.com/grpclabs/labs/scripts/labkit"
)

// NewAuthFunc is the lab's NewAuth.
type NewAuthFunc[A AuthAPI] = func(map[string]shared.Identity, map[string][]string) A

// badCredentials are requests that must be Unauthenticated: each builds
// the outgoing context, and secret is a string the error must not echo.
var badCredentials = []struct {
	name   string
	ctx    func(context.Context) context.Context
	secret string
}{
	{"no metadata", func(ctx context.Context) context.Context { return ctx }, ""},
	{"empty token", func(ctx context.Context) context.Context { return withMD(ctx, "authorization", "Bearer ") }, ""},
	{"no scheme", func(ctx context.Context) context.Context { return withMD(ctx, "authorization", tokReader) }, tokReader},
	{"basic scheme", func(ctx context.Context) context.Context {
		return withMD(ctx, "authorization", "Basic "+tokReader)
	}, tokReader},
	{"unknown token", func(ctx context.Context) context.Context { return bearer(ctx, "tok-mallory-123456") }, "tok-mallory-123456"},
	{"prefix of a token", func(ctx context.Context) context.Context { return bearer(ctx, tokReader[:8]) }, tokReader[:8]},
	{"token plus suffix", func(ctx context.Context) context.Context { return bearer(ctx, tokReader+"x") }, tokReader + "x"},
	{"token in other case", func(ctx context.Context) context.Context {
		return bearer(ctx, strings.ToUpper(tokReader))
	}, strings.ToUpper(tokReader)},
	{"two authorization values", func(ctx context.Context) context.Context {
		return withMD(bearer(ctx, "tok-mallory-123456"), "authorization", "Bearer "+tokReader)
	}, "tok-mallory-123456"},
	{"two authorization values, valid first", func(ctx context.Context) context.Context {
		return withMD(bearer(ctx, tokReader), "authorization", "Bearer tok-mallory-123456")
	}, "tok-mallory-123456"},
	{"token in another header", func(ctx context.Context) context.Context {
		return withMD(ctx, "x-token", tokReader)
	}, tokReader},
}

// TestAuthUnary: step 3, unary calls.
func TestAuthUnary[A AuthAPI](t *testing.T, newAuth NewAuthFunc[A]) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		p := newProbe(nil)
		client := serve(t, tr, p, grpc.UnaryInterceptor(newAuth(tokens(), policy()).Unary()))

		// Allowed: the handler runs and finds the identity in its context.
		for _, tc := range []struct {
			tok, scheme, subject string
		}{
			{tokReader, "Bearer", "bob"},
			{tokAdmin, "Bearer", "alice"},
			{tokReader, "bearer", "bob"}, // the scheme is case-insensitive (RFC 7235)
		} {
			ctx := withMD(t.Context(), "authorization", tc.scheme+" "+tc.tok)
			resp, err := client.GetNote(ctx, &notev1.GetNoteRequest{Id: "n1"})
			step3.Require(t, err)
			if got := resp.GetNote().GetSeenSubject(); got != tc.subject {
				t.Errorf("%s %s: the handler saw subject %q, want %q: put the identity in the context with shared.ContextWithIdentity", tc.scheme, tc.subject, got, tc.subject)
			}
			calls := p.takeCalls()
			want := tokens()[tc.tok]
			if len(calls) != 1 || !calls[0].hasIdentity || calls[0].identity != want {
				t.Errorf("%s: handler calls %+v, want one that saw identity %+v", tc.subject, calls, want)
			}
		}
		_, err := client.DeleteNote(bearer(t.Context(), tokAdmin), &notev1.DeleteNoteRequest{Id: "n1"})
		step3.Require(t, err)
		p.takeCalls()

		// Not authenticated: Unauthenticated, the handler never runs, and the
		// message does not repeat what the client sent.
		for _, tc := range badCredentials {
			_, err := client.GetNote(tc.ctx(t.Context()), &notev1.GetNoteRequest{Id: "n1"})
			expectRefused(t, "GetNote with "+tc.name, err, codes.Unauthenticated, tc.secret, p)
		}

		// Authenticated but not allowed: PermissionDenied.
		_, err = client.DeleteNote(bearer(t.Context(), tokReader), &notev1.DeleteNoteRequest{Id: "n1"})
		expectRefused(t, "DeleteNote as reader (admin only)", err, codes.PermissionDenied, tokReader, p)
		_, err = client.GetNote(bearer(t.Context(), tokGuest), &notev1.GetNoteRequest{Id: "n1"})
		expectRefused(t, "GetNote as guest (a role the policy does not list)", err, codes.PermissionDenied, tokGuest, p)
	})

	t.Run("unlisted_method_is_denied", func(t *testing.T) {
		// A method missing from the policy is closed, even to admins.
		pol := policy()
		delete(pol, mDelete)
		p := newProbe(nil)
		client := serve(t, labkit.Bufconn, p, grpc.UnaryInterceptor(newAuth(tokens(), pol).Unary()))
		_, err := client.DeleteNote(bearer(t.Context(), tokAdmin), &notev1.DeleteNoteRequest{Id: "n1"})
		expectRefused(t, "DeleteNote as admin with no policy entry", err, codes.PermissionDenied, tokAdmin, p)
	})

	t.Run("tables_are_copied", func(t *testing.T) {
		toks, pol := tokens(), policy()
		auth := newAuth(toks, pol)
		toks["tok-added-later"] = shared.Identity{Subject: "mallory", Role: "admin"}
		pol[mGet] = nil
		p := newProbe(nil)
		client := serve(t, labkit.Bufconn, p, grpc.UnaryInterceptor(auth.Unary()))
		_, err := client.GetNote(bearer(t.Context(), tokReader), &notev1.GetNoteRequest{Id: "n1"})
		step3.Require(t, err)
		_, err = client.GetNote(bearer(t.Context(), "tok-added-later"), &notev1.GetNoteRequest{Id: "n1"})
		if status.Code(err) != codes.Unauthenticated {
			t.Errorf("a token added to the caller's map after NewAuth was accepted (%v); NewAuth must copy its tables", err)
		}
	})
}

// TestAuthStream: step 3, streams.
func TestAuthStream[A AuthAPI](t *testing.T, newAuth NewAuthFunc[A]) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		p := newProbe(nil)
		client := serve(t, tr, p, grpc.StreamInterceptor(newAuth(tokens(), policy()).Stream()))

		notes, err := listAll(bearer(t.Context(), tokReader), client, 2)
		step3.Require(t, err)
		if len(notes) != 2 {
			t.Fatalf("ListNotes(limit 2) as reader: %d notes, want 2", len(notes))
		}
		for _, n := range notes {
			if n.GetSeenSubject() != "bob" {
				t.Fatalf("the stream handler saw subject %q in ss.Context(), want %q: wrap the grpc.ServerStream so Context() returns the context with the identity", n.GetSeenSubject(), "bob")
			}
		}
		p.takeCalls()

		for _, tc := range badCredentials {
			_, err := listAll(tc.ctx(t.Context()), client, 1)
			expectRefused(t, "ListNotes with "+tc.name, err, codes.Unauthenticated, tc.secret, p)
		}
		_, err = listAll(bearer(t.Context(), tokGuest), client, 1)
		expectRefused(t, "ListNotes as guest", err, codes.PermissionDenied, tokGuest, p)
	})
}

// expectRefused checks a refused call: the code, no handler call, and no
// echo of the credentials in the message.
func expectRefused(t *testing.T, what string, err error, want codes.Code, secret string, p *probe) {
	t.Helper()
	if step3.Check(t, err) == nil {
		t.Fatalf("%s succeeded; want %v", what, want)
	}
	s := status.Convert(err)
	if s.Code() != want {
		t.Errorf("%s: code %v, want %v (%v)", what, s.Code(), want, err)
	}
	if secret != "" && strings.Contains(s.Message(), secret) {
		t.Errorf("%s: the error message %q repeats the credentials; errors end up in client logs", what, s.Message())
	}
	if calls := p.takeCalls(); len(calls) != 0 {
		t.Errorf("%s: the handler ran %d time(s); a refused call must never reach it", what, len(calls))
	}
}
