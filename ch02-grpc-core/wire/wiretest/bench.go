package wiretest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"testing"

	"google.golang.org/protobuf/proto"

	wirev1 "github.com/grpclabs/labs/ch02-grpc-core/gen/wire/v1"
)

// codec is one way to turn a message into bytes and back. Every codec is
// measured the same way, as a server that handles many messages would use
// it: encode appends to a buffer it reuses, decode fills a destination it
// reuses (each decoder resets it first), so no codec pays for an
// allocation the others are spared.
type codec struct {
	name   string
	encode func() ([]byte, error) // the encoding, in the codec's reused buffer
	decode func([]byte) error
}

// vtMessage is what protoc-gen-go-vtproto generates (marshal, unmarshal,
// size) on top of the protobuf-go message.
type vtMessage interface {
	proto.Message
	SizeVT() int
	MarshalToSizedBufferVT([]byte) (int, error)
	UnmarshalVT([]byte) error
}

// protobufGo is protobuf-go's table-driven codec, appending into a reused
// buffer (proto.Marshal would allocate a fresh one per call).
func protobufGo[M proto.Message](msg, dst M) codec {
	var buf []byte
	return codec{"protobuf",
		func() (b []byte, err error) {
			buf, err = proto.MarshalOptions{}.MarshalAppend(buf[:0], msg)
			return buf, err
		},
		func(d []byte) error { return proto.Unmarshal(d, dst) }}
}

// vtproto is vtprotobuf's generated per-message code, the choice of a
// project that wants specialised code without writing it by hand.
func vtproto[M vtMessage](msg, dst M) codec {
	var buf []byte
	return codec{"vtproto",
		func() ([]byte, error) {
			n := msg.SizeVT()
			if cap(buf) < n {
				buf = make([]byte, n)
			}
			buf = buf[:n]
			_, err := msg.MarshalToSizedBufferVT(buf)
			return buf, err
		},
		func(d []byte) error { proto.Reset(dst); return dst.UnmarshalVT(d) }}
}

// hand is the lab's codec. dst is allocated once, outside the measured
// loop: passed through the Impl's function values it escapes to the heap,
// which per call would be one allocation the generated decoders, called
// directly, do not have.
func hand[T any](appendFn func([]byte, *T) []byte, unmarshal func([]byte, *T) error, msg *T) codec {
	var buf []byte
	dst := new(T)
	return codec{"hand",
		func() ([]byte, error) { buf = appendFn(buf[:0], msg); return buf, nil },
		func(d []byte) error { return unmarshal(d, dst) }}
}

// jsonCodec and xmlCodec encode with a reused Encoder into a reused buffer
// (json.Marshal and xml.Marshal allocate the result, and xml.Marshal a
// 4 KiB writer, per call) and decode into a destination reset to zero.
func jsonCodec[T any](msg *T) codec {
	var w bytes.Buffer
	enc := json.NewEncoder(&w)
	dst := new(T)
	return codec{"json",
		func() ([]byte, error) {
			w.Reset()
			err := enc.Encode(msg)
			return bytes.TrimSuffix(w.Bytes(), []byte("\n")), err
		},
		func(d []byte) error { var zero T; *dst = zero; return json.Unmarshal(d, dst) }}
}

func xmlCodec[T any](msg *T) codec {
	var w bytes.Buffer
	enc := xml.NewEncoder(&w)
	dst := new(T)
	return codec{"xml",
		func() ([]byte, error) { w.Reset(); err := enc.Encode(msg); return w.Bytes(), err },
		func(d []byte) error { var zero T; *dst = zero; return xml.Unmarshal(d, dst) }}
}

// benchCodecs runs encode/codec=NAME and decode/codec=NAME for each codec,
// reporting the encoded size as "bytes". The binary codecs must agree byte
// for byte, or the comparison would not be of like with like.
func benchCodecs(b *testing.B, codecs []codec) {
	var want []byte
	for _, c := range codecs {
		data, err := c.encode()
		if err != nil {
			b.Fatalf("%s: encode: %v", c.name, err)
		}
		data = bytes.Clone(data)
		switch c.name {
		case "protobuf":
			want = data
		case "vtproto", "hand":
			if !bytes.Equal(data, want) {
				b.Fatalf("%s encodes % x, protobuf-go % x", c.name, data, want)
			}
		}
		b.Run("op=encode/codec="+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.encode(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(data)), "bytes")
		})
		b.Run("op=decode/codec="+c.name, func(b *testing.B) {
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
// protobuf-go, vtprotobuf, the hand-written codec, encoding/json and
// encoding/xml.
func BenchmarkUser(b *testing.B, impl Impl) {
	u := SampleUser()
	requireSteps(b, impl, 7)
	pu := ProtoUser(u)
	benchCodecs(b, []codec{
		protobufGo(pu, new(wirev1.User)),
		vtproto(pu, new(wirev1.User)),
		hand(impl.AppendUser, impl.UnmarshalUser, u),
		jsonCodec(u),
		xmlCodec(u),
	})
}

// BenchmarkOrderBatch is BenchmarkUser for a batch of 20 orders: nested
// messages, packed integers, doubles and many short strings.
func BenchmarkOrderBatch(b *testing.B, impl Impl) {
	m := SampleOrderBatch(20)
	requireSteps(b, impl, 6)
	pm := ProtoOrderBatch(m)
	benchCodecs(b, []codec{
		protobufGo(pm, new(wirev1.OrderBatch)),
		vtproto(pm, new(wirev1.OrderBatch)),
		hand(impl.AppendOrderBatch, impl.UnmarshalOrderBatch, m),
		jsonCodec(m),
		xmlCodec(m),
	})
}
