package solution

import "encoding/binary"

// EncodeZigZag maps signed to unsigned so that small magnitudes stay small:
// 0→0, -1→1, 1→2, -2→3 ... A plain int64 -1 would be a 10-byte varint.
func EncodeZigZag(v int64) uint64 {
	// v<<1 makes room for the sign bit; v>>63 is all ones for negatives
	// (arithmetic shift), which flips the other bits.
	return uint64(v<<1) ^ uint64(v>>63)
}

// DecodeZigZag inverts EncodeZigZag.
func DecodeZigZag(u uint64) int64 {
	return int64(u>>1) ^ -int64(u&1)
}

// AppendFixed32 appends v as 4 little-endian bytes (fixed32, sfixed32, float).
func AppendFixed32(b []byte, v uint32) []byte {
	return binary.LittleEndian.AppendUint32(b, v)
}

// ConsumeFixed32 decodes 4 little-endian bytes.
func ConsumeFixed32(b []byte) (v uint32, n int, err error) {
	if len(b) < 4 {
		return 0, 0, errorf(0, "truncated fixed32: need 4 bytes, %d left", len(b))
	}
	return binary.LittleEndian.Uint32(b), 4, nil
}

// AppendFixed64 appends v as 8 little-endian bytes (fixed64, sfixed64, double).
func AppendFixed64(b []byte, v uint64) []byte {
	return binary.LittleEndian.AppendUint64(b, v)
}

// ConsumeFixed64 decodes 8 little-endian bytes.
func ConsumeFixed64(b []byte) (v uint64, n int, err error) {
	if len(b) < 8 {
		return 0, 0, errorf(0, "truncated fixed64: need 8 bytes, %d left", len(b))
	}
	return binary.LittleEndian.Uint64(b), 8, nil
}
