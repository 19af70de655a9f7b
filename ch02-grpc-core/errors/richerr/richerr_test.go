package richerr_test

import (
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch02-grpc-core/errors/richerr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// FuzzValidTraceID: a caller's trace id is used only if it is short and
// made of harmless characters.
func FuzzValidTraceID(f *testing.F) {
	for _, s := range []string{"abc123xyz", "", "a b", "x\n", strings.Repeat("a", 64), strings.Repeat("a", 65), strings.Repeat("a", 2000), "ü", "A.b_c-9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !richerr.ValidTraceID(s) {
			return
		}
		if len(s) == 0 || len(s) > richerr.MaxTraceIDLen {
			t.Fatalf("ValidTraceID(%q) with length %d", s, len(s))
		}
		if strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
			t.Fatalf("ValidTraceID(%q) accepts a character outside [A-Za-z0-9._-]", s)
		}
	})
}
