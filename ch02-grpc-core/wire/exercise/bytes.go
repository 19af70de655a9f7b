package exercise

import "github.com/grpclabs/labs/scripts/labkit"

// AppendBytes appends a length-delimited value: the length as a varint, then
// the bytes.
//
// Step 4. Until you write it, it returns b unchanged.
func AppendBytes(b []byte, v []byte) []byte {
	return b
}

// AppendString is AppendBytes for a string, without converting it to
// []byte first (that would allocate).
//
// Step 4. Until you write it, it returns b unchanged.
func AppendString(b []byte, s string) []byte {
	return b
}

// ConsumeBytes decodes a length-delimited value. The result is a subslice of
// b, not a copy. A length longer than what is left is an error at offset 0
// whose reason says "past the end".
//
// Step 4.
func ConsumeBytes(b []byte) (v []byte, n int, err error) {
	return nil, 0, labkit.TODO("ConsumeBytes")
}

// Integer is every Go type a varint-encoded scalar field maps to.
type Integer interface {
	~int32 | ~int64 | ~uint32 | ~uint64
}

// SizePackedVarints is the payload size of a packed list, without the
// length prefix.
//
// Step 5. Until you write it, it returns 0.
func SizePackedVarints[T Integer](vs []T) int {
	return 0
}

// AppendPackedVarints appends a packed repeated field's value (not its tag):
// the payload length, then every element as a varint.
//
// Step 5. Until you write it, it returns b unchanged.
func AppendPackedVarints[T Integer](b []byte, vs []T) []byte {
	return b
}

// ConsumePackedVarints decodes a packed list (length prefix and payload),
// appends the elements to dst and reports how many bytes it used.
//
// Step 5.
func ConsumePackedVarints[T Integer](b []byte, dst []T) ([]T, int, error) {
	return dst, 0, labkit.TODO("ConsumePackedVarints")
}
