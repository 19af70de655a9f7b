package exercise

import (
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/grpclabs/labs/scripts/labkit"
)

// MaxGroupDepth is how deeply groups may nest: a group directly in the
// message is at depth 0, and a group at depth MaxGroupDepth+1 is an error
// whose reason says "deep". It is protowire's limit.
const MaxGroupDepth = 10000

// Field is one field of a message decoded without its schema.
type Field struct {
	Num    protowire.Number
	Type   protowire.Type
	Offset int     // offset of the tag's first byte in the decoded buffer
	End    int     // offset just past the value (past the end-group tag for a group)
	Varint uint64  // VarintType
	Fixed  uint64  // Fixed32Type (low 32 bits) and Fixed64Type
	Bytes  []byte  // BytesType payload (aliases the input)
	Group  []Field // StartGroupType: the fields up to the matching end-group
}

// DecodeRaw splits b into its fields, in wire order, without a schema. Errors
// are *DecodeError at the offset of the token that is wrong, in b.
//
// Step 6.
func DecodeRaw(b []byte) ([]Field, error) {
	return nil, labkit.TODO("DecodeRaw")
}

// ConsumeFieldValue skips the value of a field whose tag was just read and
// reports its length, the end-group tag included for a group. Error offsets
// are relative to b.
//
// Step 6.
func ConsumeFieldValue(num protowire.Number, typ protowire.Type, b []byte) (n int, err error) {
	return 0, labkit.TODO("ConsumeFieldValue")
}
