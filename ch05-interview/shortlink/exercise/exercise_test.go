package exercise_test

import (
	"context"
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch05-interview/shortlink/exercise"
	"github.com/grpclabs/labs/ch05-interview/shortlink/shortlinktest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var lab = shortlinktest.Lab{
	Encode: exercise.Encode, Decode: exercise.Decode, ErrBadCode: exercise.ErrBadCode,
	NewBloom: func(n int, p float64) (shortlinktest.Bloom, error) { return exercise.NewBloom(n, p) },
	NewResolver: func(c shortlinktest.ResolverConfig) shortlinktest.Resolver {
		return exercise.NewResolver(exercise.ResolverConfig(c))
	},
	NewServer: func(ctx context.Context, c shortlinktest.Config) (shortlinktest.Server, error) {
		return exercise.NewServer(ctx, exercise.Config(c))
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
