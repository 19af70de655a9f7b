package solution_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch02-grpc-core/wire/solution"
	"github.com/grpclabs/labs/ch02-grpc-core/wire/wiretest"
)

var impl = wiretest.Impl{
	AppendVarint: solution.AppendVarint, ConsumeVarint: solution.ConsumeVarint, SizeVarint: solution.SizeVarint,
	EncodeZigZag: solution.EncodeZigZag, DecodeZigZag: solution.DecodeZigZag,
	AppendFixed32: solution.AppendFixed32, ConsumeFixed32: solution.ConsumeFixed32,
	AppendFixed64: solution.AppendFixed64, ConsumeFixed64: solution.ConsumeFixed64,
	AppendTag: solution.AppendTag, ConsumeTag: solution.ConsumeTag,
	AppendBytes: solution.AppendBytes, AppendString: solution.AppendString, ConsumeBytes: solution.ConsumeBytes,
	SizePackedInt32: solution.SizePackedVarints[int32], AppendPackedInt32: solution.AppendPackedVarints[int32], ConsumePackedInt32: solution.ConsumePackedVarints[int32],
	SizePackedInt64: solution.SizePackedVarints[int64], AppendPackedInt64: solution.AppendPackedVarints[int64], ConsumePackedInt64: solution.ConsumePackedVarints[int64],
	DecodeRaw: wiretest.Raw(solution.DecodeRaw), ConsumeFieldValue: solution.ConsumeFieldValue,
	SizeUser: solution.SizeUser, AppendUser: solution.AppendUser, UnmarshalUser: solution.UnmarshalUser,
	SizeOrderBatch: solution.SizeOrderBatch, AppendOrderBatch: solution.AppendOrderBatch, UnmarshalOrderBatch: solution.UnmarshalOrderBatch,
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
