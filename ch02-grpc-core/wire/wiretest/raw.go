package wiretest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	wirev1 "github.com/grpclabs/labs/ch02-grpc-core/gen/wire/v1"
)

// refValid is the reference answer to "is this a valid message?": protowire
// reads every field (its own recursion limit for groups included) and every
// field number is in range (protowire.Number.IsValid; its ConsumeTag alone
// lets numbers up to 2³¹-1 through, for MessageSet's sake).
func refValid(b []byte) error {
	for len(b) > 0 {
		_, _, n := protowire.ConsumeField(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
	}
	return nil
}

// refTree decodes input that refValid accepted, with protowire. It returns
// an error for out-of-range field numbers, which refValid does not see.
func refTree(b []byte, off int, group protowire.Number) ([]Field, int, error) {
	var fs []Field
	for off < len(b) {
		num, typ, n := protowire.ConsumeTag(b[off:])
		if n < 0 {
			return nil, 0, protowire.ParseError(n)
		}
		if !num.IsValid() {
			return nil, 0, fmt.Errorf("field number %d out of range", num)
		}
		f := Field{Num: num, Type: typ, Offset: off}
		v := off + n
		switch typ {
		case protowire.VarintType:
			f.Varint, n = protowire.ConsumeVarint(b[v:])
		case protowire.Fixed32Type:
			var x uint32
			x, n = protowire.ConsumeFixed32(b[v:])
			f.Fixed = uint64(x)
		case protowire.Fixed64Type:
			f.Fixed, n = protowire.ConsumeFixed64(b[v:])
		case protowire.BytesType:
			f.Bytes, n = protowire.ConsumeBytes(b[v:])
		case protowire.StartGroupType:
			var end int
			var err error
			if f.Group, end, err = refTree(b, v, num); err != nil {
				return nil, 0, err
			}
			n = end - v
		case protowire.EndGroupType:
			return fs, v, nil
		}
		if n < 0 {
			return nil, 0, protowire.ParseError(n)
		}
		f.End = v + n
		fs = append(fs, f)
		off = f.End
	}
	return fs, off, nil
}

func reference(b []byte) ([]Field, error) {
	if err := refValid(b); err != nil {
		return nil, err
	}
	fs, _, err := refTree(b, 0, 0)
	return fs, err
}

func dumpFields(fs []Field, indent string, w *strings.Builder) {
	for _, f := range fs {
		fmt.Fprintf(w, "%s%d:%v @%d-%d", indent, f.Num, f.Type, f.Offset, f.End)
		switch f.Type {
		case protowire.VarintType:
			fmt.Fprintf(w, " varint=%d\n", f.Varint)
		case protowire.Fixed32Type, protowire.Fixed64Type:
			fmt.Fprintf(w, " fixed=%#x\n", f.Fixed)
		case protowire.BytesType:
			fmt.Fprintf(w, " bytes=%q\n", f.Bytes)
		case protowire.StartGroupType:
			w.WriteString(" {\n")
			dumpFields(f.Group, indent+"  ", w)
			w.WriteString(indent + "}\n")
		}
	}
}

func dump(fs []Field) string {
	var w strings.Builder
	dumpFields(fs, "  ", &w)
	return w.String()
}

// sameTree compares decoded trees, and that every Bytes aliases the input.
func sameTree(t testing.TB, what string, in []byte, got, want []Field) {
	t.Helper()
	if g, w := dump(got), dump(want); g != w {
		t.Fatalf("%s: DecodeRaw(%s) =\n%s\nwant (protowire)\n%s", what, hexs(in), g, w)
	}
	var check func([]Field)
	check = func(fs []Field) {
		for _, f := range fs {
			if len(f.Bytes) > 0 && &f.Bytes[0] != &in[f.End-len(f.Bytes)] {
				t.Fatalf("%s: field %d at offset %d: Bytes is a copy; it must alias the input (a subslice, no allocation)", what, f.Num, f.Offset)
			}
			check(f.Group)
		}
	}
	check(got)
}

// rawSamples are valid messages with every wire type, groups and oddities.
func rawSamples() map[string][]byte {
	user, _ := proto.Marshal(&wirev1.User{Name: "Alice", Id: 42, Emails: []string{"a@x.org", "", "b@y.org"}})
	neg, _ := proto.Marshal(&wirev1.User{Id: -1})
	batch, _ := proto.Marshal(ProtoOrderBatch(SampleOrderBatch(3)))
	var all []byte
	all = protowire.AppendTag(all, 1, protowire.VarintType)
	all = protowire.AppendVarint(all, 150)
	all = protowire.AppendTag(all, 2, protowire.Fixed32Type)
	all = protowire.AppendFixed32(all, 0xdeadbeef)
	all = protowire.AppendTag(all, 3, protowire.Fixed64Type)
	all = protowire.AppendFixed64(all, 0x0123456789abcdef)
	all = protowire.AppendTag(all, 4, protowire.BytesType)
	all = protowire.AppendString(all, "hi")
	all = protowire.AppendTag(all, 5, protowire.StartGroupType)
	all = protowire.AppendTag(all, 1, protowire.VarintType)
	all = protowire.AppendVarint(all, 1)
	all = protowire.AppendTag(all, 6, protowire.StartGroupType) // nested group
	all = protowire.AppendTag(all, 6, protowire.EndGroupType)
	all = protowire.AppendTag(all, 5, protowire.EndGroupType)
	all = protowire.AppendTag(all, 19500, protowire.BytesType) // reserved range: fine on the wire
	all = protowire.AppendBytes(all, nil)
	all = protowire.AppendTag(all, 1<<29-1, protowire.VarintType)
	all = protowire.AppendVarint(all, 0)
	return map[string][]byte{
		"empty":                 {},
		"User":                  user,
		"User with id -1":       neg, // a 10-byte varint
		"OrderBatch":            batch,
		"every wire type":       all,
		"padded tag and varint": {0x88, 0x80, 0x00, 0x81, 0x80, 0x80, 0x00}, // field 1 = 1, both padded
		"repeated field number": {0x08, 0x01, 0x08, 0x02, 0x08, 0x03},
		"empty group":           {0x0b, 0x0c},
	}
}

// TestDecodeRaw: step 6, any message becomes a tree of fields.
func TestDecodeRaw(t *testing.T, impl Impl) {
	fs, err := impl.DecodeRaw([]byte{0x08, 0x96, 0x01})
	step6.Require(t, err)
	if len(fs) != 1 || fs[0].Num != 1 || fs[0].Type != protowire.VarintType || fs[0].Varint != 150 || fs[0].Offset != 0 || fs[0].End != 3 {
		t.Fatalf("DecodeRaw(08 96 01) = %+v, want one field {Num:1 Type:VarintType Offset:0 End:3 Varint:150}", fs)
	}
	for name, in := range rawSamples() {
		got, err := impl.DecodeRaw(in)
		step6.Require(t, err)
		want, err := reference(in)
		if err != nil {
			t.Fatalf("suite bug: sample %q is invalid: %v", name, err)
		}
		sameTree(t, name, in, got, want)
	}

	// The User from the text, field by field.
	in, _ := proto.Marshal(&wirev1.User{Name: "Bob", Id: -1, Emails: []string{"b@x"}})
	got, err := impl.DecodeRaw(in)
	step6.Require(t, err)
	if len(got) != 3 || !bytes.Equal(got[0].Bytes, []byte("Bob")) || got[1].Varint != 1<<64-1 || got[1].End-got[1].Offset != 11 {
		t.Errorf("DecodeRaw(User{Bob, -1, [b@x]}) =\n%s\nwant name, then id -1 as an 11-byte field (1 tag byte + 10 varint bytes: int32 -1 is sign-extended)", dump(got))
	}
}

// decodeCases are invalid messages: where the error is, and a word that
// must be in its reason.
func decodeCases() []struct {
	name  string
	in    []byte
	off   int
	words []string
} {
	ff := bytes.Repeat([]byte{0xff}, 9)
	deep := append(bytes.Repeat([]byte{0x0b}, 10002), bytes.Repeat([]byte{0x0c}, 10002)...)
	return []struct {
		name  string
		in    []byte
		off   int
		words []string
	}{
		{"truncated varint value", []byte{0x08, 0x96}, 1, []string{"truncated"}},
		{"truncated tag", []byte{0x08, 0x01, 0x80}, 2, []string{"truncated"}},
		{"tag without a value", []byte{0x08, 0x01, 0x10}, 3, []string{"truncated"}},
		{"varint longer than 10 bytes", append(append([]byte{0x08}, ff...), 0x80, 0x01), 1, []string{"10 bytes"}},
		{"10th varint byte above 1", append(append([]byte{0x08}, ff...), 0x02), 1, []string{"overflow"}},
		{"field number 0", []byte{0x08, 0x01, 0x00, 0x01}, 2, []string{"field number"}},
		{"field number 0 (length-delimited)", []byte{0x02, 0x00}, 0, []string{"field number"}},
		{"field number above 2^29-1", append([]byte{0x08, 0x01}, protowire.AppendVarint(nil, uint64(1)<<29<<3)...), 2, []string{"field number"}},
		{"wire type 6", []byte{0x08, 0x01, 0x0e}, 2, []string{"wire type"}},
		{"wire type 7", []byte{0x0f, 0x00}, 0, []string{"wire type"}},
		{"length past the end", []byte{0x0a, 0x05, 'a', 'b'}, 1, []string{"past the end"}},
		{"huge length", append([]byte{0x0a}, protowire.AppendVarint(nil, 1<<62)...), 1, []string{"past the end"}},
		{"truncated fixed32", []byte{0x0d, 0x01, 0x02}, 1, []string{"truncated"}},
		{"truncated fixed64", []byte{0x08, 0x00, 0x09, 1, 2, 3, 4, 5, 6, 7}, 3, []string{"truncated"}},
		{"end group without a start", []byte{0x08, 0x01, 0x0c}, 2, []string{"end group"}},
		{"end group for another field", []byte{0x0b, 0x08, 0x01, 0x14}, 3, []string{"end group"}},
		{"group that never ends", []byte{0x08, 0x01, 0x0b, 0x08, 0x01}, 2, []string{"truncated", "end group"}},
		{"error inside a group", []byte{0x0b, 0x08, 0x01, 0x0e, 0x0c}, 3, []string{"wire type"}},
		{"error inside a nested group", []byte{0x0b, 0x13, 0x0a, 0x03, 0x14, 0x0c}, 3, []string{"past the end"}},
		{"groups nested 10002 deep", deep, 10001, []string{"deep"}},
	}
}

// TestDecodeRawErrors: step 6, bad input gets an error that says where.
func TestDecodeRawErrors(t *testing.T, impl Impl) {
	for _, c := range decodeCases() {
		if _, err := reference(c.in); err == nil {
			t.Fatalf("suite bug: protowire accepts %q", c.name)
		}
		fs, err := impl.DecodeRaw(c.in)
		wantDecodeError(t, step6, "DecodeRaw("+c.name+")", err, c.off, c.words...)
		if err != nil && fs != nil {
			t.Errorf("DecodeRaw(%s) returned fields with its error; return nil fields, so nobody uses half a message", c.name)
		}
	}
}

// TestConsumeFieldValue: step 6, skipping fields a decoder does not know.
func TestConsumeFieldValue(t *testing.T, impl Impl) {
	n, err := impl.ConsumeFieldValue(1, protowire.VarintType, []byte{0x96, 0x01, 0x08})
	step6.Require(t, err)
	if n != 2 {
		t.Errorf("ConsumeFieldValue(1, varint, 96 01 08) = %d, want 2", n)
	}
	cases := []struct {
		num  protowire.Number
		typ  protowire.Type
		in   []byte
		want int
	}{
		{1, protowire.Fixed32Type, []byte{1, 2, 3, 4, 5}, 4},
		{1, protowire.Fixed64Type, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, 8},
		{1, protowire.BytesType, []byte{0x02, 'h', 'i', 'x'}, 3},
		// A group runs to its matching end tag, nested groups included.
		{5, protowire.StartGroupType, []byte{0x08, 0x01, 0x33, 0x34, 0x2c, 0x08}, 5},
		{5, protowire.StartGroupType, []byte{0x2c}, 1},
	}
	for _, c := range cases {
		n, err := impl.ConsumeFieldValue(c.num, c.typ, c.in)
		step6.Require(t, err)
		if n != c.want {
			t.Errorf("ConsumeFieldValue(%d, %v, %s) = %d, want %d", c.num, c.typ, hexs(c.in), n, c.want)
		}
		if ref := protowire.ConsumeFieldValue(c.num, c.typ, c.in); ref != n {
			t.Errorf("ConsumeFieldValue(%d, %v, %s) = %d, protowire says %d", c.num, c.typ, hexs(c.in), n, ref)
		}
	}
	_, err = impl.ConsumeFieldValue(1, protowire.EndGroupType, []byte{0x08})
	wantDecodeError(t, step6, "ConsumeFieldValue(end group)", err, 0, "end group")
	_, err = impl.ConsumeFieldValue(5, protowire.StartGroupType, []byte{0x08, 0x01, 0x34})
	wantDecodeError(t, step6, "ConsumeFieldValue(group 5 closed by end group 6)", err, 2, "end group")
	_, err = impl.ConsumeFieldValue(5, protowire.StartGroupType, []byte{0x08, 0x01})
	wantDecodeError(t, step6, "ConsumeFieldValue(group without end)", err, 0, "truncated", "end group")
	_, err = impl.ConsumeFieldValue(1, 6, []byte{0x00})
	wantDecodeError(t, step6, "ConsumeFieldValue(wire type 6)", err, 0, "wire type")
}

// FuzzDecodeRaw: step 6, never a panic, and the same verdict as protowire.
func FuzzDecodeRaw(f *testing.F, impl Impl) {
	for _, in := range rawSamples() {
		f.Add(in)
	}
	for _, c := range decodeCases() {
		if len(c.in) < 100 {
			f.Add(c.in)
		}
	}
	_, err := impl.DecodeRaw(nil)
	step6.Check(f, err) // a stub stops here, once, rather than in every seed
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := impl.DecodeRaw(in)
		want, refErr := reference(in)
		switch {
		case step6.Check(t, err) != nil && refErr == nil:
			t.Fatalf("DecodeRaw(%s) failed: %v\nbut protowire reads it:\n%s", hexs(in), err, dump(want))
		case err == nil && refErr != nil:
			t.Fatalf("DecodeRaw(%s) accepted invalid input (protowire: %v):\n%s", hexs(in), refErr, dump(got))
		case err != nil:
			if off, _, ok := decodeError(err); !ok || off < 0 || off > len(in) {
				t.Fatalf("DecodeRaw(%s): error %v should be a *DecodeError with an offset inside the input", hexs(in), err)
			}
		default:
			sameTree(t, "fuzz", in, got, want)
		}
	})
}
