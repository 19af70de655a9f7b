package solution

import "google.golang.org/protobuf/encoding/protowire"

// MaxGroupDepth is how deeply groups may nest: a group directly in the
// message is at depth 0. It is protowire's limit, so both accept the same
// inputs; without one, a few kilobytes of start-group bytes would make a
// recursive decoder exhaust the stack.
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

// DecodeRaw splits b into its fields, in wire order, without a schema: the
// view `protoc --decode_raw` starts from. A length-delimited value stays
// bytes; only its reader can tell a string from a nested message.
func DecodeRaw(b []byte) ([]Field, error) {
	fields, _, err := decodeFields(b, 0, 0, 0, 0)
	return fields, err
}

// decodeFields decodes b[off:] until the end of b, or, inside a group (num
// != 0, started by the tag at groupOff), until its end-group tag. It returns
// the fields and the offset just past what it consumed.
func decodeFields(b []byte, off, depth int, group protowire.Number, groupOff int) ([]Field, int, error) {
	var fields []Field
	for off < len(b) {
		num, typ, n, err := ConsumeTag(b[off:])
		if err != nil {
			return nil, 0, shift(err, off)
		}
		f := Field{Num: num, Type: typ, Offset: off}
		v := off + n // the value starts after the tag
		var m int    // the value's length
		switch typ {
		case protowire.VarintType:
			f.Varint, m, err = ConsumeVarint(b[v:])
		case protowire.Fixed32Type:
			var x uint32
			x, m, err = ConsumeFixed32(b[v:])
			f.Fixed = uint64(x)
		case protowire.Fixed64Type:
			f.Fixed, m, err = ConsumeFixed64(b[v:])
		case protowire.BytesType:
			f.Bytes, m, err = ConsumeBytes(b[v:])
		case protowire.StartGroupType:
			if depth > MaxGroupDepth {
				return nil, 0, errorf(off, "groups nested deeper than %d", MaxGroupDepth)
			}
			var end int
			f.Group, end, err = decodeFields(b, v, depth+1, num, off)
			if err != nil {
				return nil, 0, err // already at absolute offsets
			}
			m = end - v
		case protowire.EndGroupType:
			switch {
			case group == 0:
				return nil, 0, errorf(off, "end group for field %d without a matching start group", num)
			case num != group:
				return nil, 0, errorf(off, "end group for field %d does not match the start group for field %d at offset %d", num, group, groupOff)
			}
			return fields, v, nil
		}
		if err != nil {
			return nil, 0, shift(err, v)
		}
		f.End = v + m
		fields = append(fields, f)
		off = f.End
	}
	if group != 0 {
		return nil, 0, errorf(groupOff, "truncated group: field %d starts here and has no end-group tag", group)
	}
	return fields, off, nil
}

// ConsumeFieldValue skips the value of a field whose tag was just read and
// reports its length: what a decoder does with fields it does not know.
// A group is skipped up to and including its matching end-group tag.
func ConsumeFieldValue(num protowire.Number, typ protowire.Type, b []byte) (n int, err error) {
	return consumeValue(num, typ, b, 0)
}

func consumeValue(num protowire.Number, typ protowire.Type, b []byte, depth int) (n int, err error) {
	switch typ {
	case protowire.VarintType:
		_, n, err = ConsumeVarint(b)
	case protowire.Fixed32Type:
		_, n, err = ConsumeFixed32(b)
	case protowire.Fixed64Type:
		_, n, err = ConsumeFixed64(b)
	case protowire.BytesType:
		_, n, err = ConsumeBytes(b)
	case protowire.StartGroupType:
		if depth > MaxGroupDepth {
			return 0, errorf(0, "groups nested deeper than %d", MaxGroupDepth)
		}
		for off := 0; ; {
			if off == len(b) {
				return 0, errorf(0, "truncated group: field %d has no end-group tag", num)
			}
			num2, typ2, m, err := ConsumeTag(b[off:])
			if err != nil {
				return 0, shift(err, off)
			}
			if typ2 == protowire.EndGroupType {
				if num2 != num {
					return 0, errorf(off, "end group for field %d does not match the start group for field %d", num2, num)
				}
				return off + m, nil
			}
			k, err := consumeValue(num2, typ2, b[off+m:], depth+1)
			if err != nil {
				return 0, shift(err, off+m)
			}
			off += m + k
		}
	case protowire.EndGroupType:
		return 0, errorf(0, "end group for field %d without a matching start group", num)
	default:
		return 0, errorf(0, "wire type %d is invalid (only 0-5 exist)", typ)
	}
	return n, err
}
