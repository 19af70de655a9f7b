package exercise

import "github.com/grpclabs/labs/scripts/labkit"

// EncodeZigZag maps signed to unsigned so that small magnitudes stay small:
// 0→0, -1→1, 1→2, -2→3 ...
//
// Step 2. Until you write it, it returns 0.
func EncodeZigZag(v int64) uint64 {
	return 0
}

// DecodeZigZag inverts EncodeZigZag.
//
// Step 2. Until you write it, it returns 0.
func DecodeZigZag(u uint64) int64 {
	return 0
}

// AppendFixed32 appends v as 4 little-endian bytes (fixed32, sfixed32, float).
//
// Step 2. Until you write it, it returns b unchanged.
func AppendFixed32(b []byte, v uint32) []byte {
	return b
}

// ConsumeFixed32 decodes 4 little-endian bytes ("truncated" if fewer).
//
// Step 2.
func ConsumeFixed32(b []byte) (v uint32, n int, err error) {
	return 0, 0, labkit.TODO("ConsumeFixed32")
}

// AppendFixed64 appends v as 8 little-endian bytes (fixed64, sfixed64, double).
//
// Step 2. Until you write it, it returns b unchanged.
func AppendFixed64(b []byte, v uint64) []byte {
	return b
}

// ConsumeFixed64 decodes 8 little-endian bytes ("truncated" if fewer).
//
// Step 2.
func ConsumeFixed64(b []byte) (v uint64, n int, err error) {
	return 0, 0, labkit.TODO("ConsumeFixed64")
}
