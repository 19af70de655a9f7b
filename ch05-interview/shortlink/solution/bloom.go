package solution

import (
	"fmt"
	"math"
	"sync/atomic"
)

// Bloom is a Bloom filter: a set that can answer "certainly not here" or
// "maybe here". It never forgets a key it was given (no false negatives),
// and says "maybe" for an absent key with a probability that sizing
// controls. Safe for concurrent use: bits are set with atomic OR, so Add
// and MayContain need no lock.
type Bloom struct {
	bits []atomic.Uint64
	m    uint64 // number of bits
	k    int    // number of hash functions
}

// NewBloom sizes a filter for n keys at false-positive rate p with the
// textbook formulas: m = ceil(-n ln p / (ln 2)^2) bits and
// k = round(m/n ln 2) hash functions, which minimise the false-positive
// rate (1 - e^(-kn/m))^k for that m. For n = 1e6 and p = 1% that is 9.6 bits
// a key (1.2 MB) and 7 hashes.
func NewBloom(n int, p float64) (*Bloom, error) {
	if n < 1 {
		return nil, fmt.Errorf("bloom: expected count %d must be at least 1", n)
	}
	if !(p > 0 && p < 1) { // also rejects NaN
		return nil, fmt.Errorf("bloom: false-positive rate %v must be between 0 and 1", p)
	}
	m := math.Ceil(-float64(n) * math.Log(p) / (math.Ln2 * math.Ln2))
	if m > 1<<40 {
		return nil, fmt.Errorf("bloom: %d keys at rate %v need %.0f bits; too large", n, p, m)
	}
	k := max(1, int(math.Round(m/float64(n)*math.Ln2)))
	words := (uint64(m) + 63) / 64
	return &Bloom{bits: make([]atomic.Uint64, words), m: uint64(m), k: k}, nil
}

// Bits is m, the filter's size in bits.
func (b *Bloom) Bits() uint64 { return b.m }

// Hashes is k, the number of bits each key sets.
func (b *Bloom) Hashes() int { return b.k }

// Add puts key in the filter.
func (b *Bloom) Add(key string) {
	h1, h2 := hash2(key)
	for i := range b.k {
		bit := (h1 + uint64(i)*h2) % b.m
		b.bits[bit/64].Or(1 << (bit % 64))
	}
}

// MayContain reports false when key was certainly never added, and true
// when it may have been.
func (b *Bloom) MayContain(key string) bool {
	h1, h2 := hash2(key)
	for i := range b.k {
		bit := (h1 + uint64(i)*h2) % b.m
		if b.bits[bit/64].Load()&(1<<(bit%64)) == 0 {
			return false
		}
	}
	return true
}

// hash2 gives the two hashes of double hashing (Kirsch and Mitzenmacher):
// the k positions h1 + i*h2 are as good as k independent hashes for a
// Bloom filter. h1 is 64-bit FNV-1a; h2 is h1 through a SplitMix64
// finaliser, forced odd so that it is never 0 (which would put all k
// positions on one bit). Deterministic, so a measured false-positive rate
// is reproducible.
func hash2(key string) (uint64, uint64) {
	h := uint64(14695981039346656037)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= 1099511628211
	}
	z := h + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	return h, z | 1
}
