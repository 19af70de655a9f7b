package exercise_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch02-grpc-core/wire/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/wire/wiretest"
)

var impl = wiretest.Impl{
	AppendVarint: exercise.AppendVarint, ConsumeVarint: exercise.ConsumeVarint, SizeVarint: exercise.SizeVarint,
	EncodeZigZag: exercise.EncodeZigZag, DecodeZigZag: exercise.DecodeZigZag,
	AppendFixed32: exercise.AppendFixed32, ConsumeFixed32: exercise.ConsumeFixed32,
	AppendFixed64: exercise.AppendFixed64, ConsumeFixed64: exercise.ConsumeFixed64,
	AppendTag: exercise.AppendTag, ConsumeTag: exercise.ConsumeTag,
	AppendBytes: exercise.AppendBytes, AppendString: exercise.AppendString, ConsumeBytes: exercise.ConsumeBytes,
	SizePackedInt32: exercise.SizePackedVarints[int32], AppendPackedInt32: exercise.AppendPackedVarints[int32], ConsumePackedInt32: exercise.ConsumePackedVarints[int32],
	SizePackedInt64: exercise.SizePackedVarints[int64], AppendPackedInt64: exercise.AppendPackedVarints[int64], ConsumePackedInt64: exercise.ConsumePackedVarints[int64],
	DecodeRaw: wiretest.Raw(exercise.DecodeRaw), ConsumeFieldValue: exercise.ConsumeFieldValue,
	SizeUser: exercise.SizeUser, AppendUser: exercise.AppendUser, UnmarshalUser: exercise.UnmarshalUser,
	SizeOrderBatch: exercise.SizeOrderBatch, AppendOrderBatch: exercise.AppendOrderBatch, UnmarshalOrderBatch: exercise.UnmarshalOrderBatch,
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestVarint(t *testing.T)            { wiretest.TestVarint(t, impl) }
func FuzzVarint(f *testing.F)            { wiretest.FuzzVarint(f, impl) }
func TestZigZag(t *testing.T)            { wiretest.TestZigZag(t, impl) }
func TestFixed(t *testing.T)             { wiretest.TestFixed(t, impl) }
func TestTag(t *testing.T)               { wiretest.TestTag(t, impl) }
func TestBytes(t *testing.T)             { wiretest.TestBytes(t, impl) }
func TestPacked(t *testing.T)            { wiretest.TestPacked(t, impl) }
func TestDecodeRaw(t *testing.T)         { wiretest.TestDecodeRaw(t, impl) }
func TestDecodeRawErrors(t *testing.T)   { wiretest.TestDecodeRawErrors(t, impl) }
func TestConsumeFieldValue(t *testing.T) { wiretest.TestConsumeFieldValue(t, impl) }
func FuzzDecodeRaw(f *testing.F)         { wiretest.FuzzDecodeRaw(f, impl) }
func TestUser(t *testing.T)              { wiretest.TestUser(t, impl) }
func TestUserAllocs(t *testing.T)        { wiretest.TestUserAllocs(t, impl) }
func FuzzUserRoundTrip(f *testing.F)     { wiretest.FuzzUserRoundTrip(f, impl) }
func FuzzUnmarshalUser(f *testing.F)     { wiretest.FuzzUnmarshalUser(f, impl) }
func TestOrderBatch(t *testing.T)        { wiretest.TestOrderBatch(t, impl) }
func BenchmarkUser(b *testing.B)         { wiretest.BenchmarkUser(b, impl) }
func BenchmarkOrderBatch(b *testing.B)   { wiretest.BenchmarkOrderBatch(b, impl) }
