package solution

import "google.golang.org/protobuf/encoding/protowire"

// The protowire types and constants name things; none of its functions are
// used in this package.

// MaxFieldNumber is the largest field number: a tag is (number<<3 | type) in
// a uint32, which leaves 29 bits for the number.
const MaxFieldNumber protowire.Number = 1<<29 - 1

// AppendTag appends the key of a field: its number and wire type in one varint.
func AppendTag(b []byte, num protowire.Number, typ protowire.Type) []byte {
	return AppendVarint(b, uint64(num)<<3|uint64(typ&7))
}

// ConsumeTag decodes a field key and checks it: the number is 1 to 2²⁹-1,
// and the wire type is one of the six that exist (0-5).
//
// Numbers 19000-19999 are accepted: they are reserved for the protobuf
// implementation in .proto files (protoc refuses to compile them), but on
// the wire they are ordinary numbers, and protowire and protoc both decode them.
func ConsumeTag(b []byte) (num protowire.Number, typ protowire.Type, n int, err error) {
	v, n, err := ConsumeVarint(b)
	if err != nil {
		return 0, 0, 0, err
	}
	key, typ := v>>3, protowire.Type(v&7)
	switch {
	case key == 0:
		return 0, 0, 0, errorf(0, "field number 0 is invalid (numbers start at 1)")
	case key > uint64(MaxFieldNumber):
		return 0, 0, 0, errorf(0, "field number %d is above the maximum %d", key, MaxFieldNumber)
	case typ > protowire.Fixed32Type: // 5, the highest of the six
		return 0, 0, 0, errorf(0, "wire type %d of field %d is invalid (only 0-5 exist)", typ, key)
	}
	return protowire.Number(key), typ, n, nil
}
