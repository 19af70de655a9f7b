package solution_test

import (
	"context"
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/shortlink/shortlinktest"
	"github.com/grpclabs/labs/ch05-interview/shortlink/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var lab = shortlinktest.Lab{
	Encode: solution.Encode, Decode: solution.Decode, ErrBadCode: solution.ErrBadCode,
	NewBloom: func(n int, p float64) (shortlinktest.Bloom, error) { return solution.NewBloom(n, p) },
	NewResolver: func(c shortlinktest.ResolverConfig) shortlinktest.Resolver {
		return solution.NewResolver(solution.ResolverConfig(c))
	},
	NewServer: func(ctx context.Context, c shortlinktest.Config) (shortlinktest.Server, error) {
		return solution.NewServer(ctx, solution.Config(c))
	},
}

func TestBase62(t *testing.T)      { shortlinktest.TestBase62(t, lab) }
func FuzzDecode(f *testing.F)      { shortlinktest.FuzzDecode(f, lab) }
func TestBloom(t *testing.T)       { shortlinktest.TestBloom(t, lab) }
func TestResolve(t *testing.T)     { shortlinktest.TestResolve(t, lab) }
func TestStampede(t *testing.T)    { shortlinktest.TestStampede(t, lab) }
func TestShorten(t *testing.T)     { shortlinktest.TestShorten(t, lab) }
func TestRedirect(t *testing.T)    { shortlinktest.TestRedirect(t, lab) }
func TestPenetration(t *testing.T) { shortlinktest.TestPenetration(t, lab) }
func TestRestart(t *testing.T)     { shortlinktest.TestRestart(t, lab) }
func TestRedis(t *testing.T)       { shortlinktest.TestRedis(t, lab) }

func BenchmarkBloom(b *testing.B)   { shortlinktest.BenchmarkBloom(b, lab) }
func BenchmarkLoad(b *testing.B)    { shortlinktest.BenchmarkLoad(b, lab) }
func BenchmarkJournal(b *testing.B) { shortlinktest.BenchmarkJournal(b) }
