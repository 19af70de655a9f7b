package shortlinktest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/grpclabs/labs/scripts/labkit"
)

// encode calls lab.Encode and stops the test with step 1's TODO while it
// returns nothing.
func encode(t *testing.T, l Lab, id uint64) string {
	t.Helper()
	s := l.Encode(id)
	if s == "" {
		step1.Check(t, labkit.TODO("Encode"))
	}
	return s
}

// TestBase62: step 1, codes from ids and back, cross-checked with math/big.
func TestBase62(t *testing.T, l Lab) {
	t.Run("encode", func(t *testing.T) {
		for _, id := range []uint64{0, 1, 9, 10, 35, 36, 61, 62, 3843, 3844, math.MaxInt64, math.MaxUint64} {
			if got, want := encode(t, l, id), code62(id); got != want {
				t.Errorf("Encode(%d) = %q, want %q (math/big's base 62: digits 0-9, then a-z, then A-Z, most significant first, no leading zeros)", id, got, want)
			}
		}
		r := rand.New(rand.NewPCG(1, 2))
		for range 2000 {
			id := r.Uint64() >> r.IntN(64)
			if got, want := encode(t, l, id), code62(id); got != want {
				t.Fatalf("Encode(%d) = %q, want %q", id, got, want)
			}
		}
		// A Snowflake id of the 2020s (about 2^58) is ten characters.
		if got := len(encode(t, l, 1<<58)); got != 10 {
			t.Errorf("len(Encode(2^58)) = %d, want 10", got)
		}
	})
	t.Run("decode", func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for range 2000 {
			id := r.Uint64() >> r.IntN(64)
			got, err := l.Decode(code62(id))
			step1.Require(t, err)
			if got != id {
				t.Fatalf("Decode(%q) = %d, want %d", code62(id), got, id)
			}
		}
		if got, err := l.Decode("lYGhA16ahyf"); err != nil || got != math.MaxUint64 {
			t.Errorf("Decode(%q) = %d, %v; want 2^64-1", "lYGhA16ahyf", got, err)
		}
	})
	t.Run("bad codes", func(t *testing.T) {
		for _, bad := range []string{
			"",                  // empty
			"0abc",              // leading zero: "abc" is the code for that id
			"00",                // leading zero
			"ab-c", "ab c", "é", // outside the alphabet
			"abc\x00", "abc/", // outside the alphabet
			"lYGhA16ahyg",           // 2^64: one past the largest id
			"ZZZZZZZZZZZ",           // 62^11-1, far past 2^64
			strings.Repeat("1", 12), // longer than any id's code
		} {
			id, err := l.Decode(bad)
			if step1.Check(t, err) == nil {
				t.Errorf("Decode(%q) = %d, nil; want an error wrapping ErrBadCode", bad, id)
				continue
			}
			if !errors.Is(err, l.ErrBadCode) {
				t.Errorf("Decode(%q) error %q does not wrap ErrBadCode", bad, err)
			}
		}
	})
}

// FuzzDecode: step 1, Decode is fed untrusted bytes: it never panics, and
// whatever it accepts encodes back to the same code.
func FuzzDecode(f *testing.F, l Lab) {
	for _, s := range []string{"0", "1", "a", "Z", "10", "lYGhA16ahyf", "lYGhA16ahyg", "0a", "", "zz!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		id, err := l.Decode(code)
		if step1.Check(t, err) != nil {
			return
		}
		if back := encode(t, l, id); back != code {
			t.Fatalf("Decode(%q) = %d, but Encode(%d) = %q: only canonical codes may decode", code, id, id, back)
		}
	})
}

// TestBloom: step 2, sizing, no false negatives, a measured false-positive
// rate within the formula's bound, and concurrent use.
func TestBloom(t *testing.T, l Lab) {
	t.Run("bad sizes", func(t *testing.T) {
		for _, c := range []struct {
			n int
			p float64
		}{{0, 0.01}, {-5, 0.01}, {1000, 0}, {1000, 1}, {1000, 1.5}, {1000, -0.1}, {1000, math.NaN()}} {
			b, err := l.NewBloom(c.n, c.p)
			if step2.Check(t, err) == nil {
				t.Errorf("NewBloom(%d, %v) = %v, nil; want an error", c.n, c.p, b)
			}
		}
	})
	t.Run("sizing", func(t *testing.T) {
		for _, c := range []struct {
			n int
			p float64
		}{{1000, 0.01}, {100_000, 0.01}, {10_000, 0.001}, {1, 0.5}, {50, 0.2}} {
			b, err := l.NewBloom(c.n, c.p)
			step2.Require(t, err)
			m := math.Ceil(-float64(c.n) * math.Log(c.p) / (math.Ln2 * math.Ln2))
			k := max(1, int(math.Round(m/float64(c.n)*math.Ln2)))
			if b.Bits() != uint64(m) || b.Hashes() != k {
				t.Errorf("NewBloom(%d, %v): %d bits and %d hashes; the formulas give m = ceil(-n ln p / ln²2) = %.0f and k = round(m/n ln 2) = %d",
					c.n, c.p, b.Bits(), b.Hashes(), m, k)
			}
		}
	})
	t.Run("false positives", func(t *testing.T) {
		const n, p, probes = 10_000, 0.01, 50_000
		b, err := l.NewBloom(n, p)
		step2.Require(t, err)
		// Keys as the service makes them: codes of consecutive Snowflake ids,
		// which differ only in their last characters.
		base := uint64(1) << 50
		for i := range uint64(n) {
			b.Add(code62(base + i))
		}
		for i := range uint64(n) {
			if !b.MayContain(code62(base + i)) {
				t.Fatalf("MayContain(%q) = false for a key that was added: a Bloom filter has no false negatives", code62(base+i))
			}
		}
		fp := 0
		for i := range uint64(probes) {
			if b.MayContain(code62(base + n + i)) {
				fp++
			}
		}
		rate := float64(fp) / probes
		// The rate the filter's own m and k predict for n keys.
		m, k := float64(b.Bits()), float64(b.Hashes())
		bound := math.Pow(1-math.Exp(-k*n/m), k)
		t.Logf("n=%d p=%v: m=%d bits (%.2f per key), k=%d; measured false-positive rate %.4f (%d of %d), formula %.4f",
			n, p, b.Bits(), m/n, b.Hashes(), rate, fp, probes, bound)
		// 1.3x leaves room for sampling (σ is about 0.045% here) and an
		// ordinary hash; a hash that clusters lands far above.
		if rate > 1.3*bound {
			t.Errorf("false-positive rate %.4f (%d of %d) is above 1.3 x the formula's %.4f: the k positions are not spread well; derive them from two independent 64-bit hashes (h1 + i*h2), with h2 never 0",
				rate, fp, probes, bound)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		b, err := l.NewBloom(1000, 0.01)
		step2.Require(t, err)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 250 {
					key := fmt.Sprintf("g%d-%d", g, i)
					b.Add(key)
					if !b.MayContain(key) {
						t.Errorf("MayContain(%q) = false right after Add", key)
						return
					}
				}
			})
		}
		wg.Wait()
	})
}
