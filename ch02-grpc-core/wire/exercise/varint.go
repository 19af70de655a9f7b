package exercise

import "github.com/grpclabs/labs/scripts/labkit"

// MaxVarintLen is the longest valid varint: 64 bits in 7-bit groups.
const MaxVarintLen = 10

// AppendVarint appends v as a base-128 varint: 7 bits per byte, least
// significant group first, the high bit (0x80) set on every byte but the last.
//
// Step 1. Until you write it, it returns b unchanged.
func AppendVarint(b []byte, v uint64) []byte {
	return b
}

// SizeVarint is len(AppendVarint(nil, v)), computed without encoding.
//
// Step 1. Until you write it, it returns 0.
func SizeVarint(v uint64) int {
	return 0
}

// ConsumeVarint decodes the varint at the start of b and reports how many
// bytes it took. Errors are *DecodeError at offset 0 (errorf(0, ...)):
// "truncated" when the input ends first, "10 bytes" when it is longer than
// 10, "overflow" when the 10th byte carries more than bit 63.
//
// Step 1.
func ConsumeVarint(b []byte) (v uint64, n int, err error) {
	return 0, 0, labkit.TODO("ConsumeVarint")
}
