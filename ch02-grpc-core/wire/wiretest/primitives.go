package wiretest

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/grpclabs/labs/scripts/labkit"
)

// varintValues covers every length from 1 to 10 bytes and both sides of
// every boundary.
func varintValues() []uint64 {
	vs := []uint64{0, 1, 2, 127, 128, 150, 255, 256, 300, 16383, 16384, math.MaxInt32, math.MaxUint32, math.MaxInt64, math.MaxUint64}
	for shift := 7; shift < 64; shift += 7 {
		vs = append(vs, 1<<shift-1, 1<<shift, 1<<shift+1)
	}
	vs = append(vs, uint64(1)<<63, uint64(math.MaxUint64)-1)
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		vs = append(vs, r.Uint64()>>r.IntN(64))
	}
	return vs
}

// TestVarint: step 1, base-128 varints both ways.
func TestVarint(t *testing.T, impl Impl) {
	appended(t, step1, "AppendVarint", nil, impl.AppendVarint(nil, 1))

	known := []struct {
		v    uint64
		want []byte
	}{
		{0, []byte{0x00}},
		{1, []byte{0x01}},
		{127, []byte{0x7f}},
		{128, []byte{0x80, 0x01}},
		{150, []byte{0x96, 0x01}}, // the classic example: 150 = 0b10_0101_10
		{300, []byte{0xac, 0x02}},
		{math.MaxUint64, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
	}
	for _, k := range known {
		if got := impl.AppendVarint(nil, k.v); !bytes.Equal(got, k.want) {
			t.Errorf("AppendVarint(nil, %d) = %s, want %s (7 bits per byte, low group first, high bit = more follows)", k.v, hexs(got), hexs(k.want))
		}
	}
	prefix := []byte{0xaa, 0xbb}
	appended(t, step1, "AppendVarint", prefix, impl.AppendVarint(prefix, 300))

	if impl.SizeVarint(1) == 0 {
		step1.Check(t, labkit.TODO("SizeVarint"))
	}
	for _, v := range varintValues() {
		want := protowire.AppendVarint(nil, v)
		got := impl.AppendVarint(nil, v)
		if !bytes.Equal(got, want) {
			t.Fatalf("AppendVarint(nil, %d) = %s, protowire says %s", v, hexs(got), hexs(want))
		}
		if n := impl.SizeVarint(v); n != len(want) {
			t.Fatalf("SizeVarint(%d) = %d, want %d", v, n, len(want))
		}
		// Decode with a trailing byte: n must stop at the varint's end.
		in := append(want, 0x7f)
		dv, n, err := impl.ConsumeVarint(in)
		step1.Require(t, err)
		if dv != v || n != len(want) {
			t.Fatalf("ConsumeVarint(%s) = %d, %d; want %d, %d", hexs(in), dv, n, v, len(want))
		}
	}

	// Non-minimal encodings are valid: 0x80 0x00 is a two-byte zero.
	if v, n, err := impl.ConsumeVarint([]byte{0x80, 0x00}); step1.Check(t, err) != nil || v != 0 || n != 2 {
		t.Errorf("ConsumeVarint(80 00) = %d, %d, %v; want 0, 2, nil (padded varints are legal, protowire reads them)", v, n, err)
	}

	ff := bytes.Repeat([]byte{0xff}, 9)
	bad := []struct {
		name  string
		in    []byte
		words []string
	}{
		{"empty input", nil, []string{"truncated"}},
		{"continuation bit on the last byte", []byte{0x96}, []string{"truncated"}},
		{"9 continuation bytes, then nothing", ff, []string{"truncated"}},
		{"11 bytes", append(append(ff[:9:9], 0x80), 0x01), []string{"10 bytes"}},
		{"10th byte is 0x02 (bit 64)", append(ff[:9:9], 0x02), []string{"overflow"}},
		{"10th byte is 0x7f", append(ff[:9:9], 0x7f), []string{"overflow"}},
	}
	for _, c := range bad {
		if _, n := protowire.ConsumeVarint(c.in); n >= 0 {
			t.Fatalf("suite bug: protowire accepts %s", c.name)
		}
		_, _, err := impl.ConsumeVarint(c.in)
		wantDecodeError(t, step1, "ConsumeVarint("+c.name+")", err, 0, c.words...)
	}
}

// FuzzVarint: step 1, every uint64 round-trips and matches protowire.
func FuzzVarint(f *testing.F, impl Impl) {
	for _, v := range []uint64{0, 1, 127, 128, 300, math.MaxUint32, math.MaxUint64} {
		f.Add(v)
	}
	// A stub stops the target here, once, rather than in every seed.
	appended(f, step1, "AppendVarint", nil, impl.AppendVarint(nil, 1))
	_, _, err := impl.ConsumeVarint([]byte{1})
	step1.Check(f, err)
	f.Fuzz(func(t *testing.T, v uint64) {
		got := impl.AppendVarint(nil, v)
		appended(t, step1, "AppendVarint", nil, got)
		if want := protowire.AppendVarint(nil, v); !bytes.Equal(got, want) {
			t.Fatalf("AppendVarint(nil, %d) = %s, protowire says %s", v, hexs(got), hexs(want))
		}
		dv, n, err := impl.ConsumeVarint(got)
		step1.Require(t, err)
		if dv != v || n != len(got) {
			t.Fatalf("ConsumeVarint(AppendVarint(%d)) = %d, %d; want %d, %d", v, dv, n, v, len(got))
		}
	})
}

// TestZigZag: step 2, zigzag maps small negative numbers to small varints.
func TestZigZag(t *testing.T, impl Impl) {
	if impl.EncodeZigZag(-1) == 0 && impl.EncodeZigZag(1) == 0 {
		step2.Check(t, labkit.TODO("EncodeZigZag"))
	}
	known := []struct {
		v int64
		u uint64
	}{
		{0, 0}, {-1, 1}, {1, 2}, {-2, 3}, {2, 4},
		{math.MaxInt32, math.MaxUint32 - 1}, {math.MinInt32, math.MaxUint32},
		{math.MaxInt64, math.MaxUint64 - 1}, {math.MinInt64, math.MaxUint64},
	}
	for _, k := range known {
		if got := impl.EncodeZigZag(k.v); got != k.u {
			t.Errorf("EncodeZigZag(%d) = %d, want %d", k.v, got, k.u)
		}
	}
	if impl.DecodeZigZag(1) == 0 && impl.DecodeZigZag(2) == 0 {
		step2.Check(t, labkit.TODO("DecodeZigZag"))
	}
	for _, k := range known {
		if got := impl.DecodeZigZag(k.u); got != k.v {
			t.Errorf("DecodeZigZag(%d) = %d, want %d", k.u, got, k.v)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		v := r.Int64() >> r.IntN(64)
		if r.IntN(2) == 0 {
			v = -v
		}
		if got, want := impl.EncodeZigZag(v), protowire.EncodeZigZag(v); got != want {
			t.Fatalf("EncodeZigZag(%d) = %d, protowire says %d", v, got, want)
		}
		if got := impl.DecodeZigZag(impl.EncodeZigZag(v)); got != v {
			t.Fatalf("DecodeZigZag(EncodeZigZag(%d)) = %d", v, got)
		}
	}
	// Why bother: -1 as a sint64 is one byte on the wire, as an int64 ten.
	if n := len(impl.AppendVarint(nil, impl.EncodeZigZag(-1))); n != 1 {
		t.Errorf("-1 zigzag-encoded takes %d bytes, want 1", n)
	}
}

// TestFixed: step 2, fixed-width little-endian values.
func TestFixed(t *testing.T, impl Impl) {
	appended(t, step2, "AppendFixed32", nil, impl.AppendFixed32(nil, 1))
	if got, want := impl.AppendFixed32(nil, 0x01020304), []byte{4, 3, 2, 1}; !bytes.Equal(got, want) {
		t.Errorf("AppendFixed32(nil, 0x01020304) = %s, want %s (little-endian: low byte first)", hexs(got), hexs(want))
	}
	if got, want := impl.AppendFixed32(nil, math.Float32bits(1)), []byte{0, 0, 0x80, 0x3f}; !bytes.Equal(got, want) {
		t.Errorf("AppendFixed32(nil, bits of float 1.0) = %s, want %s", hexs(got), hexs(want))
	}
	appended(t, step2, "AppendFixed64", nil, impl.AppendFixed64(nil, 1))
	if got, want := impl.AppendFixed64(nil, 0x0102030405060708), []byte{8, 7, 6, 5, 4, 3, 2, 1}; !bytes.Equal(got, want) {
		t.Errorf("AppendFixed64(nil, 0x0102030405060708) = %s, want %s", hexs(got), hexs(want))
	}
	prefix := []byte{0xee}
	appended(t, step2, "AppendFixed32", prefix, impl.AppendFixed32(prefix, 7))
	appended(t, step2, "AppendFixed64", prefix, impl.AppendFixed64(prefix, 7))

	r := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		v := r.Uint64()
		in := append(protowire.AppendFixed64(nil, v), 0xaa)
		got, n, err := impl.ConsumeFixed64(in)
		step2.Require(t, err)
		if got != v || n != 8 {
			t.Fatalf("ConsumeFixed64(%s) = %#x, %d; want %#x, 8", hexs(in), got, n, v)
		}
		in = append(protowire.AppendFixed32(nil, uint32(v)), 0xaa)
		got32, n, err := impl.ConsumeFixed32(in)
		step2.Require(t, err)
		if got32 != uint32(v) || n != 4 {
			t.Fatalf("ConsumeFixed32(%s) = %#x, %d; want %#x, 4", hexs(in), got32, n, uint32(v))
		}
		if !bytes.Equal(impl.AppendFixed64(nil, v), protowire.AppendFixed64(nil, v)) {
			t.Fatalf("AppendFixed64(nil, %#x) differs from protowire", v)
		}
	}
	_, _, err := impl.ConsumeFixed32([]byte{1, 2, 3})
	wantDecodeError(t, step2, "ConsumeFixed32 of 3 bytes", err, 0, "truncated")
	_, _, err = impl.ConsumeFixed64([]byte{1, 2, 3, 4, 5, 6, 7})
	wantDecodeError(t, step2, "ConsumeFixed64 of 7 bytes", err, 0, "truncated")
}

// TestTag: step 3, field keys.
func TestTag(t *testing.T, impl Impl) {
	appended(t, step3, "AppendTag", nil, impl.AppendTag(nil, 1, protowire.VarintType))
	known := []struct {
		num  protowire.Number
		typ  protowire.Type
		want []byte
	}{
		{1, protowire.VarintType, []byte{0x08}},
		{1, protowire.BytesType, []byte{0x0a}},
		{2, protowire.VarintType, []byte{0x10}},
		{3, protowire.BytesType, []byte{0x1a}},
		{15, protowire.Fixed64Type, []byte{0x79}}, // the largest one-byte tag
		{16, protowire.VarintType, []byte{0x80, 0x01}},
		{1<<29 - 1, protowire.Fixed32Type, []byte{0xfd, 0xff, 0xff, 0xff, 0x0f}},
	}
	for _, k := range known {
		got := impl.AppendTag(nil, k.num, k.typ)
		if !bytes.Equal(got, k.want) {
			t.Errorf("AppendTag(nil, %d, %v) = %s, want %s (number<<3 | wire type, as a varint)", k.num, k.typ, hexs(got), hexs(k.want))
			continue
		}
		num, typ, n, err := impl.ConsumeTag(append(got, 0x01))
		step3.Require(t, err)
		if num != k.num || typ != k.typ || n != len(got) {
			t.Errorf("ConsumeTag(%s) = %d, %v, %d; want %d, %v, %d", hexs(got), num, typ, n, k.num, k.typ, len(got))
		}
	}
	// The reserved range 19000-19999 is a rule for .proto files, not for
	// the wire: protowire and protoc --decode_raw both read these tags.
	for _, num := range []protowire.Number{19000, 19999} {
		in := protowire.AppendTag(nil, num, protowire.VarintType)
		got, _, _, err := impl.ConsumeTag(in)
		if step3.Check(t, err) != nil || got != num {
			t.Errorf("ConsumeTag(field %d) = %d, %v; the reserved range is valid on the wire (only .proto files may not use it)", num, got, err)
		}
	}
	bad := []struct {
		name  string
		in    []byte
		words []string
	}{
		{"field number 0", []byte{0x00}, []string{"field number"}},
		{"field number 0, wire type 2", []byte{0x02, 0x00}, []string{"field number"}},
		{"field number 2^29", protowire.AppendVarint(nil, uint64(1)<<29<<3), []string{"field number"}},
		{"field number 2^32", protowire.AppendVarint(nil, uint64(1)<<32<<3), []string{"field number"}},
		{"wire type 6", []byte{0x0e}, []string{"wire type"}},
		{"wire type 7", []byte{0x0f}, []string{"wire type"}},
		{"truncated tag", []byte{0x80}, []string{"truncated"}},
		{"empty input", nil, []string{"truncated"}},
	}
	for _, c := range bad {
		_, _, _, err := impl.ConsumeTag(c.in)
		wantDecodeError(t, step3, "ConsumeTag("+c.name+")", err, 0, c.words...)
	}
}

// TestBytes: step 4, length-delimited values.
func TestBytes(t *testing.T, impl Impl) {
	appended(t, step4, "AppendBytes", nil, impl.AppendBytes(nil, nil))
	appended(t, step4, "AppendString", nil, impl.AppendString(nil, ""))
	long := bytes.Repeat([]byte("x"), 300)
	for _, v := range [][]byte{nil, []byte("abc"), []byte("héllo"), {0, 0xff}, long} {
		want := protowire.AppendBytes(nil, v)
		if got := impl.AppendBytes(nil, v); !bytes.Equal(got, want) {
			t.Errorf("AppendBytes(nil, %q) = %s, want %s (length varint, then the bytes)", v, hexs(got), hexs(want))
		}
		if got := impl.AppendString(nil, string(v)); !bytes.Equal(got, want) {
			t.Errorf("AppendString(nil, %q) = %s, want %s", v, hexs(got), hexs(want))
		}
		in := append(want, 0x99)
		got, n, err := impl.ConsumeBytes(in)
		step4.Require(t, err)
		if !bytes.Equal(got, v) || n != len(want) {
			t.Errorf("ConsumeBytes(%s) = %q, %d; want %q, %d", hexs(in), got, n, v, len(want))
		}
		if len(v) > 0 && &got[0] != &in[len(want)-len(v)] {
			t.Errorf("ConsumeBytes copied the payload; return a subslice of the input (no allocation, no copy)")
		}
	}
	prefix := []byte{0x0a}
	appended(t, step4, "AppendString", prefix, impl.AppendString(prefix, "x"))

	bad := []struct {
		name  string
		in    []byte
		words []string
	}{
		{"length 5 with 2 bytes left", []byte{0x05, 'a', 'b'}, []string{"past the end"}},
		{"length 1 with nothing left", []byte{0x01}, []string{"past the end"}},
		{"length 2^63", protowire.AppendVarint(nil, 1<<63), []string{"past the end"}},
		{"length 2^64-1", protowire.AppendVarint(nil, math.MaxUint64), []string{"past the end"}},
		{"truncated length", []byte{0x80}, []string{"truncated"}},
	}
	for _, c := range bad {
		_, _, err := impl.ConsumeBytes(c.in)
		wantDecodeError(t, step4, "ConsumeBytes("+c.name+")", err, 0, c.words...)
	}
}

// TestPacked: step 5, packed repeated integers.
func TestPacked(t *testing.T, impl Impl) {
	appended(t, step5, "AppendPackedVarints", nil, impl.AppendPackedInt64(nil, nil))
	if impl.SizePackedInt64([]int64{1}) == 0 {
		step5.Check(t, labkit.TODO("SizePackedVarints"))
	}

	// Reference: protowire, element by element.
	packed := func(vs []uint64) []byte {
		var payload []byte
		for _, v := range vs {
			payload = protowire.AppendVarint(payload, v)
		}
		return protowire.AppendBytes(nil, payload)
	}

	i64 := []int64{1, 300, 0, -1, math.MaxInt64, math.MinInt64}
	want := packed([]uint64{1, 300, 0, math.MaxUint64, math.MaxInt64, 1 << 63})
	if got := impl.AppendPackedInt64(nil, i64); !bytes.Equal(got, want) {
		t.Errorf("AppendPackedVarints(nil, %v) = %s, want %s", i64, hexs(got), hexs(want))
	}
	if n := impl.SizePackedInt64(i64); n != len(want)-1 {
		t.Errorf("SizePackedVarints(%v) = %d, want %d (the payload, without its length)", i64, n, len(want)-1)
	}
	// A negative int32 is sign-extended to 64 bits: 10 bytes, not 5.
	i32 := []int32{-1, 2, math.MinInt32}
	want = packed([]uint64{math.MaxUint64, 2, 0xffff_ffff_8000_0000})
	if got := impl.AppendPackedInt32(nil, i32); !bytes.Equal(got, want) {
		t.Errorf("AppendPackedVarints(nil, []int32%v) = %s, want %s (convert int32 to uint64 through int64: negatives take 10 bytes)", i32, hexs(got), hexs(want))
	}
	if n := impl.SizePackedInt32(i32); n != len(want)-1 {
		t.Errorf("SizePackedVarints([]int32%v) = %d, want %d", i32, n, len(want)-1)
	}
	if got := impl.AppendPackedInt32(nil, nil); !bytes.Equal(got, []byte{0}) {
		t.Errorf("AppendPackedVarints(nil, empty) = %s, want [00] (an empty payload)", hexs(got))
	}

	in := append(impl.AppendPackedInt64(nil, i64), 0x08, 0x01)
	dst := []int64{42}
	got, n, err := impl.ConsumePackedInt64(in, dst)
	step5.Require(t, err)
	if n != len(in)-2 || len(got) != 1+len(i64) || got[0] != 42 {
		t.Fatalf("ConsumePackedVarints(%s, [42]) = %v, %d; want [42 %v], %d (append to dst, stop at the payload's end)", hexs(in), got, n, i64, len(in)-2)
	}
	for i, v := range i64 {
		if got[i+1] != v {
			t.Fatalf("ConsumePackedVarints element %d = %d, want %d", i, got[i+1], v)
		}
	}
	// Narrow types keep the low bits, as every protobuf runtime does.
	got32, _, err := impl.ConsumePackedInt32(packed([]uint64{1<<32 + 5, math.MaxUint64}), nil)
	step5.Require(t, err)
	if len(got32) != 2 || got32[0] != 5 || got32[1] != -1 {
		t.Errorf("ConsumePackedVarints[int32] of {2^32+5, 2^64-1} = %v, want [5 -1]", got32)
	}

	// The length bounds the payload: a varint that runs past it is
	// truncated, even when more bytes follow.
	_, _, err = impl.ConsumePackedInt64([]byte{0x02, 0x01, 0x80, 0x01}, nil)
	wantDecodeError(t, step5, "ConsumePackedVarints(length 2, payload 01 80 | 01)", err, 2, "truncated")
	_, _, err = impl.ConsumePackedInt64([]byte{0x03, 0x01}, nil)
	wantDecodeError(t, step5, "ConsumePackedVarints(length 3, 1 byte left)", err, 0, "past the end")
}
