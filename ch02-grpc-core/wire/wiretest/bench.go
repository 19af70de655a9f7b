package wiretest

import (
	"encoding/json"
	"encoding/xml"
	"testing"

	"google.golang.org/protobuf/proto"

	wirev1 "github.com/grpclabs/labs/ch02-grpc-core/gen/wire/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/wire/wiremsg"
)

// codec is one way to turn a message into bytes and back.
type codec struct {
	name   string
	encode func(buf []byte) ([]byte, error)
	decode func(data []byte) error
}

func benchCodecs(b *testing.B, codecs []codec) {
	for _, c := range codecs {
		data, err := c.encode(nil)
		if err != nil {
			b.Fatalf("%s: encode: %v", c.name, err)
		}
		b.Run("encode/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, len(data))
			for b.Loop() {
				buf, _ = c.encode(buf[:0])
			}
			b.ReportMetric(float64(len(data)), "bytes")
		})
		b.Run("decode/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.decode(data); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(data)), "bytes")
		})
	}
}

// BenchmarkUser measures the section's claim on its own example message:
// size, time and allocations to encode and decode one User, with
// protobuf-go, the hand-written codec, encoding/json and encoding/xml.
func BenchmarkUser(b *testing.B, impl Impl) {
	u := SampleUser()
	requireSteps(b, impl, 7)
	pu := ProtoUser(u)
	benchCodecs(b, []codec{
		{"protobuf", func([]byte) ([]byte, error) { return proto.Marshal(pu) },
			func(d []byte) error { return proto.Unmarshal(d, new(wirev1.User)) }},
		{"hand", func(buf []byte) ([]byte, error) { return impl.AppendUser(buf, u), nil },
			func(d []byte) error { var v wiremsg.User; return impl.UnmarshalUser(d, &v) }},
		{"json", func([]byte) ([]byte, error) { return json.Marshal(u) },
			func(d []byte) error { var v wiremsg.User; return json.Unmarshal(d, &v) }},
		{"xml", func([]byte) ([]byte, error) { return xml.Marshal(u) },
			func(d []byte) error { var v wiremsg.User; return xml.Unmarshal(d, &v) }},
	})
}

// BenchmarkOrderBatch is BenchmarkUser for a batch of 20 orders: nested
// messages, packed integers, doubles and many short strings.
func BenchmarkOrderBatch(b *testing.B, impl Impl) {
	m := SampleOrderBatch(20)
	requireSteps(b, impl, 6)
	pm := ProtoOrderBatch(m)
	benchCodecs(b, []codec{
		{"protobuf", func([]byte) ([]byte, error) { return proto.Marshal(pm) },
			func(d []byte) error { return proto.Unmarshal(d, new(wirev1.OrderBatch)) }},
		{"hand", func(buf []byte) ([]byte, error) { return impl.AppendOrderBatch(buf, m), nil },
			func(d []byte) error { var v wiremsg.OrderBatch; return impl.UnmarshalOrderBatch(d, &v) }},
		{"json", func([]byte) ([]byte, error) { return json.Marshal(m) },
			func(d []byte) error { var v wiremsg.OrderBatch; return json.Unmarshal(d, &v) }},
		{"xml", func([]byte) ([]byte, error) { return xml.Marshal(m) },
			func(d []byte) error { var v wiremsg.OrderBatch; return xml.Unmarshal(d, &v) }},
	})
}
