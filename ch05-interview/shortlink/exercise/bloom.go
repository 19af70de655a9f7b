package exercise

import "github.com/grpclabs/labs/scripts/labkit"

// Bloom is a Bloom filter: a set that can answer "certainly not here" or
// "maybe here", with no false negatives. Safe for concurrent use.
type Bloom struct {
	// Step 2: your fields (the bits, m, k).
}

// NewBloom sizes a filter for n keys at false-positive rate p:
// m = ceil(-n ln p / (ln 2)^2) bits and k = round(m/n ln 2) hashes (at
// least 1). n < 1, or p outside (0, 1), is an error.
//
// Step 2.
func NewBloom(n int, p float64) (*Bloom, error) {
	return nil, labkit.TODO("NewBloom")
}

// Bits is m, the filter's size in bits.
func (b *Bloom) Bits() uint64 { return 0 }

// Hashes is k, the number of bits each key sets.
func (b *Bloom) Hashes() int { return 0 }

// Add puts key in the filter.
//
// Step 2.
func (b *Bloom) Add(key string) {}

// MayContain reports false when key was certainly never added, and true
// when it may have been.
//
// Step 2.
func (b *Bloom) MayContain(key string) bool { return false }
