// Package wiretest is the wire lab's suite. The exercise and the solution
// both run it, through their one-screen *_test.go files, so every assertion
// is written once. It cross-checks the hand-written encoder and decoder
// against the real protobuf runtime: protowire for single values and
// proto.Marshal / proto.Unmarshal for whole messages.
package wiretest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/grpclabs/labs/ch02-grpc-core/wire/wiremsg"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch02-grpc-core/wire"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "AppendVarint, ConsumeVarint, SizeVarint"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "EncodeZigZag, DecodeZigZag, the fixed32/fixed64 functions"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "AppendTag, ConsumeTag"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "AppendBytes, AppendString, ConsumeBytes"}
	step5 = labkit.Step{Lab: lab, N: 5, What: "SizePackedVarints, AppendPackedVarints, ConsumePackedVarints"}
	step6 = labkit.Step{Lab: lab, N: 6, What: "DecodeRaw, ConsumeFieldValue"}
	step7 = labkit.Step{Lab: lab, N: 7, What: "SizeUser, AppendUser, UnmarshalUser"}
	step8 = labkit.Step{Lab: lab, N: 8, What: "the functions of steps 1-5 (OrderBatch is built on them)"}
)

// Impl is the lab's API, handed over by exercise_test.go or solution_test.go.
// Generic functions come in the instantiations the suite needs.
type Impl struct {
	AppendVarint  func(b []byte, v uint64) []byte
	ConsumeVarint func(b []byte) (uint64, int, error)
	SizeVarint    func(v uint64) int

	EncodeZigZag   func(v int64) uint64
	DecodeZigZag   func(u uint64) int64
	AppendFixed32  func(b []byte, v uint32) []byte
	ConsumeFixed32 func(b []byte) (uint32, int, error)
	AppendFixed64  func(b []byte, v uint64) []byte
	ConsumeFixed64 func(b []byte) (uint64, int, error)

	AppendTag  func(b []byte, num protowire.Number, typ protowire.Type) []byte
	ConsumeTag func(b []byte) (protowire.Number, protowire.Type, int, error)

	AppendBytes  func(b []byte, v []byte) []byte
	AppendString func(b []byte, s string) []byte
	ConsumeBytes func(b []byte) ([]byte, int, error)

	SizePackedInt32    func(vs []int32) int
	AppendPackedInt32  func(b []byte, vs []int32) []byte
	ConsumePackedInt32 func(b []byte, dst []int32) ([]int32, int, error)
	SizePackedInt64    func(vs []int64) int
	AppendPackedInt64  func(b []byte, vs []int64) []byte
	ConsumePackedInt64 func(b []byte, dst []int64) ([]int64, int, error)

	// DecodeRaw is the package's DecodeRaw wrapped by [Raw].
	DecodeRaw         func(b []byte) ([]Field, error)
	ConsumeFieldValue func(num protowire.Number, typ protowire.Type, b []byte) (int, error)

	SizeUser      func(u *wiremsg.User) int
	AppendUser    func(b []byte, u *wiremsg.User) []byte
	UnmarshalUser func(b []byte, u *wiremsg.User) error

	SizeOrderBatch      func(m *wiremsg.OrderBatch) int
	AppendOrderBatch    func(b []byte, m *wiremsg.OrderBatch) []byte
	UnmarshalOrderBatch func(b []byte, m *wiremsg.OrderBatch) error
}

// Field is the suite's copy of the lab's Field: the exercise and the solution
// each declare their own type, with the same fields.
type Field struct {
	Num    protowire.Number
	Type   protowire.Type
	Offset int
	End    int
	Varint uint64
	Fixed  uint64
	Bytes  []byte
	Group  []Field
}

// Raw adapts a package's DecodeRaw to the suite's Field type. It copies
// field by field with reflection, so the Bytes slices still alias the input.
func Raw[F any](decode func([]byte) ([]F, error)) func([]byte) ([]Field, error) {
	return func(b []byte) ([]Field, error) {
		fs, err := decode(b)
		return convertFields(reflect.ValueOf(fs)), err
	}
}

func convertFields(v reflect.Value) []Field {
	if v.Len() == 0 {
		return nil
	}
	out := make([]Field, v.Len())
	for i := range out {
		f := v.Index(i)
		out[i] = Field{
			Num:    protowire.Number(f.FieldByName("Num").Int()),
			Type:   protowire.Type(f.FieldByName("Type").Int()),
			Offset: int(f.FieldByName("Offset").Int()),
			End:    int(f.FieldByName("End").Int()),
			Varint: f.FieldByName("Varint").Uint(),
			Fixed:  f.FieldByName("Fixed").Uint(),
			Bytes:  f.FieldByName("Bytes").Bytes(),
			Group:  convertFields(f.FieldByName("Group")),
		}
	}
	return out
}

// decodeError unpacks the lab's *DecodeError (a different type in the
// exercise and the solution) from err.
func decodeError(err error) (offset int, reason string, ok bool) {
	for e := err; e != nil; e = errors.Unwrap(e) {
		v := reflect.ValueOf(e)
		if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct || v.Elem().Type().Name() != "DecodeError" {
			continue
		}
		s := v.Elem()
		o, r := s.FieldByName("Offset"), s.FieldByName("Reason")
		if o.Kind() == reflect.Int && r.Kind() == reflect.String {
			return int(o.Int()), r.String(), true
		}
	}
	return 0, "", false
}

// wantDecodeError checks that err is a *DecodeError at offset off whose
// reason contains one of the words (case-insensitive).
func wantDecodeError(t testing.TB, step labkit.Step, what string, err error, off int, words ...string) {
	t.Helper()
	if step.Check(t, err) == nil {
		t.Errorf("%s: no error; want a *DecodeError at offset %d (%s)", what, off, strings.Join(words, " / "))
		return
	}
	gotOff, reason, ok := decodeError(err)
	switch {
	case !ok:
		t.Errorf("%s: error %q (%T) is not a *DecodeError{Offset, Reason}", what, err, err)
	case gotOff != off:
		t.Errorf("%s: error at offset %d, want %d (the first byte of the token that is wrong): %v", what, gotOff, off, err)
	case !strings.Contains(err.Error(), strconv.Itoa(off)):
		t.Errorf("%s: Error() = %q does not mention the offset %d", what, err.Error(), off)
	default:
		low := strings.ToLower(reason)
		for _, w := range words {
			if strings.Contains(low, w) {
				return
			}
		}
		t.Errorf("%s: reason %q should say what is wrong, with the word %q", what, reason, strings.Join(words, `" or "`))
	}
}

// appended turns "the encoder appended nothing" into the TODO signal: every
// encoding in this lab is at least one byte, and an exercise stub returns
// its input unchanged.
func appended(t testing.TB, step labkit.Step, what string, in, out []byte) {
	t.Helper()
	if len(out) == len(in) {
		step.Check(t, labkit.TODO(what))
	}
	if len(in) > 0 && !bytes.Equal(out[:len(in)], in) {
		t.Fatalf("%s overwrote the bytes it was appending to: % x became % x", what, in, out[:len(in)])
	}
}

func hexs(b []byte) string {
	if len(b) > 48 {
		return fmt.Sprintf("% x ... (%d bytes)", b[:48], len(b))
	}
	return fmt.Sprintf("[% x]", b)
}

// requireSteps stops the test with the TODO of the first unwritten function
// of steps 1 to upTo: the message codecs are built on all of them.
func requireSteps(t testing.TB, impl Impl, upTo int) {
	t.Helper()
	probes := []struct {
		step labkit.Step
		what string
		todo bool
	}{
		{step1, "AppendVarint", len(impl.AppendVarint(nil, 1)) == 0},
		{step1, "SizeVarint", impl.SizeVarint(1) == 0},
		{step1, "ConsumeVarint", isTODO(impl.ConsumeVarint([]byte{1}))},
		{step2, "EncodeZigZag", impl.EncodeZigZag(-1) == 0},
		{step2, "DecodeZigZag", impl.DecodeZigZag(1) == 0},
		{step2, "AppendFixed32", len(impl.AppendFixed32(nil, 1)) == 0},
		{step2, "ConsumeFixed32", isTODO(impl.ConsumeFixed32(make([]byte, 4)))},
		{step2, "AppendFixed64", len(impl.AppendFixed64(nil, 1)) == 0},
		{step2, "ConsumeFixed64", isTODO(impl.ConsumeFixed64(make([]byte, 8)))},
		{step3, "AppendTag", len(impl.AppendTag(nil, 1, 0)) == 0},
		{step3, "ConsumeTag", labkit.IsTODO(last(impl.ConsumeTag([]byte{0x08})))},
		{step4, "AppendBytes", len(impl.AppendBytes(nil, nil)) == 0},
		{step4, "AppendString", len(impl.AppendString(nil, "")) == 0},
		{step4, "ConsumeBytes", isTODO(impl.ConsumeBytes([]byte{0}))},
		{step5, "SizePackedVarints", impl.SizePackedInt64([]int64{1}) == 0},
		{step5, "AppendPackedVarints", len(impl.AppendPackedInt64(nil, nil)) == 0},
		{step5, "ConsumePackedVarints", isTODO(impl.ConsumePackedInt64([]byte{0}, nil))},
		{step6, "ConsumeFieldValue", isTODO2(impl.ConsumeFieldValue(1, 0, []byte{0}))},
		{step7, "SizeUser", impl.SizeUser(&wiremsg.User{ID: 1}) == 0},
		{step7, "AppendUser", len(impl.AppendUser(nil, &wiremsg.User{ID: 1})) == 0},
		{step7, "UnmarshalUser", labkit.IsTODO(impl.UnmarshalUser(nil, new(wiremsg.User)))},
	}
	for _, p := range probes {
		if p.step.N <= upTo && p.todo {
			p.step.Check(t, labkit.TODO(p.what))
		}
	}
}

func isTODO[A, B any](_ A, _ B, err error) bool { return labkit.IsTODO(err) }

func last[A, B, C any](_ A, _ B, _ C, err error) error { return err }

func isTODO2[A any](_ A, err error) bool { return labkit.IsTODO(err) }
