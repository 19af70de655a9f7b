package solution

import "math/bits"

// MaxVarintLen is the longest valid varint: 64 bits in 7-bit groups.
const MaxVarintLen = 10

// AppendVarint appends v as a base-128 varint: 7 bits per byte, least
// significant group first, the high bit set on every byte but the last.
func AppendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// SizeVarint is len(AppendVarint(nil, v)), computed without encoding.
func SizeVarint(v uint64) int {
	// v|1 so that 0 still takes one byte; each byte carries 7 bits.
	return (bits.Len64(v|1) + 6) / 7
}

// ConsumeVarint decodes the varint at the start of b and reports how many
// bytes it took. Errors are at offset 0: the varint itself is wrong.
func ConsumeVarint(b []byte) (v uint64, n int, err error) {
	for i := range MaxVarintLen {
		if i == len(b) {
			return 0, 0, errorf(0, "truncated varint: input ends after %d bytes that all have the continuation bit set", i)
		}
		c := b[i]
		if i == MaxVarintLen-1 {
			// The 10th byte holds only bit 63. Anything more is garbage a
			// strict decoder (protowire, this one) rejects; C++ drops it.
			if c&0x80 != 0 {
				return 0, 0, errorf(0, "varint longer than %d bytes", MaxVarintLen)
			}
			if c > 1 {
				return 0, 0, errorf(0, "varint overflows 64 bits: its 10th byte is %#02x, only 0x00 or 0x01 fit", c)
			}
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1, nil
		}
	}
	return 0, 0, errorf(0, "varint longer than %d bytes", MaxVarintLen) // not reached: the 10th byte decides
}
