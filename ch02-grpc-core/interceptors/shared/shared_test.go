package shared_test

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch02-grpc-core/interceptors/shared"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestContextValues(t *testing.T) {
	ctx := context.Background()
	if _, ok := shared.IdentityFrom(ctx); ok || shared.RequestIDFrom(ctx) != "" {
		t.Fatal("an empty context carries an identity or a request id")
	}
	id := shared.Identity{Subject: "alice", Role: "admin"}
	ctx = shared.ContextWithRequestID(shared.ContextWithIdentity(ctx, id), "r1")
	if got, ok := shared.IdentityFrom(ctx); !ok || got != id || shared.RequestIDFrom(ctx) != "r1" {
		t.Fatalf("got %v %v %q", got, ok, shared.RequestIDFrom(ctx))
	}
}

func TestNewRequestID(t *testing.T) {
	a, b := shared.NewRequestID(), shared.NewRequestID()
	if !shared.ValidRequestID(a) || len(a) != 16 || a == b {
		t.Fatalf("NewRequestID: %q, %q; want two different valid 16-digit ids", a, b)
	}
}

// FuzzValidRequestID: a client's id is logged only if it is short and made
// of harmless characters.
func FuzzValidRequestID(f *testing.F) {
	for _, s := range []string{"req-1", "", "a b", "x\n", strings.Repeat("a", 64), strings.Repeat("a", 65), "ü", "A.b_c-9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !shared.ValidRequestID(s) {
			return
		}
		if len(s) == 0 || len(s) > shared.MaxRequestIDLen {
			t.Fatalf("ValidRequestID(%q) with length %d", s, len(s))
		}
		if strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
			t.Fatalf("ValidRequestID(%q) accepts a character outside [A-Za-z0-9._-]", s)
		}
	})
}
