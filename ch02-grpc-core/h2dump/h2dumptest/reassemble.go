package h2dumptest

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	h2demov1 "github.com/grpclabs/labs/ch02-grpc-core/gen/h2demo/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/dump"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2"
)

// frameMsg writes gRPC's 5-byte prefix and the body, by hand.
func frameMsg(compressed bool, body []byte) []byte {
	b := make([]byte, 5, 5+len(body))
	if compressed {
		b[0] = 1
	}
	binary.BigEndian.PutUint32(b[1:], uint32(len(body)))
	return append(b, body...)
}

// TestReassembler: step 5, messages cut out of DATA payloads however the
// frames split them, cross-checked with proto.Unmarshal.
func TestReassembler(t *testing.T, impl dump.Impl) {
	requireStep(t, impl, 5)
	reqs := []*h2demov1.EchoRequest{
		{Name: "Grace Hopper", Age: 85},
		{}, // an empty message is a 5-byte prefix with length 0
		{Name: "Émilie du Châtelet", Payload: bytes.Repeat([]byte{7}, 70000)}, // longer than a DATA frame
		{Age: -1},
	}
	var stream []byte
	for i, r := range reqs {
		b, err := proto.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		stream = append(stream, frameMsg(i == 3, b)...)
	}
	check := func(t *testing.T, got []h2.Message, how string) {
		t.Helper()
		if len(got) != len(reqs) {
			t.Fatalf("%s: got %d messages, want %d", how, len(got), len(reqs))
		}
		for i, m := range got {
			var r h2demov1.EchoRequest
			if err := proto.Unmarshal(m.Data, &r); err != nil || !proto.Equal(&r, reqs[i]) {
				t.Fatalf("%s: message %d = %d bytes (%v); want %v", how, i+1, len(m.Data), err, reqs[i])
			}
			if m.Compressed != (i == 3) {
				t.Fatalf("%s: message %d Compressed = %v; its prefix flag says %v", how, i+1, m.Compressed, i == 3)
			}
		}
	}
	feed := func(t *testing.T, sizes func(i int) int) []h2.Message {
		r := impl.NewReassembler(1 << 20)
		var got []h2.Message
		for off, i := 0, 0; off < len(stream); i++ {
			n := min(sizes(i), len(stream)-off)
			chunk := bytes.Clone(stream[off : off+n])
			msgs, err := r.Write(chunk)
			step5.Require(t, err)
			clear(chunk) // the caller reuses its buffer: messages must own their bytes
			got = append(got, msgs...)
			off += n
		}
		if r.Buffered() != 0 {
			t.Fatalf("Buffered() = %d after whole messages; want 0", r.Buffered())
		}
		return got
	}
	t.Run("all at once", func(t *testing.T) { check(t, feed(t, func(int) int { return len(stream) }), "one Write") })
	t.Run("DATA frames of 16384", func(t *testing.T) { check(t, feed(t, func(int) int { return 16384 }), "16384-byte Writes") })
	t.Run("one byte at a time", func(t *testing.T) { check(t, feed(t, func(int) int { return 1 }), "1-byte Writes") })
	t.Run("every split point", func(t *testing.T) {
		// The first message alone, split at each byte: prefix and body boundaries.
		one := frameMsg(false, []byte("\x0a\x0cGrace Hopper\x10\x55"))
		for cut := 0; cut <= len(one); cut++ {
			r := impl.NewReassembler(100)
			a, err := r.Write(one[:cut])
			step5.Require(t, err)
			if cut < len(one) && (len(a) != 0 || r.Buffered() != cut) {
				t.Fatalf("after %d of %d bytes: %d messages, Buffered() = %d; want 0 and %d", cut, len(one), len(a), r.Buffered(), cut)
			}
			b, err := r.Write(one[cut:])
			step5.Require(t, err)
			if all := append(a, b...); len(all) != 1 || string(all[0].Data) != string(one[5:]) {
				t.Fatalf("split at %d: got %v; want the one message", cut, all)
			}
		}
	})
}

// TestReassemblerLimits: step 5, hostile or broken prefixes.
func TestReassemblerLimits(t *testing.T, impl dump.Impl) {
	requireStep(t, impl, 5)
	t.Run("exactly max is fine", func(t *testing.T) {
		r := impl.NewReassembler(10)
		msgs, err := r.Write(frameMsg(false, make([]byte, 10)))
		step5.Require(t, err)
		if len(msgs) != 1 || len(msgs[0].Data) != 10 {
			t.Fatalf("a 10-byte message with max 10: got %d messages; want 1", len(msgs))
		}
	})
	t.Run("too large, known from the prefix alone", func(t *testing.T) {
		r := impl.NewReassembler(1000)
		// Only the prefix: a 4 GiB claim must be refused now, not buffered.
		_, err := r.Write([]byte{0, 0xff, 0xff, 0xff, 0xff})
		if step5.Check(t, err) == nil {
			t.Fatal("a prefix announcing 4294967295 bytes with max 1000: want an error before the body arrives")
		}
		if !strings.Contains(err.Error(), "4294967295") || !strings.Contains(err.Error(), "1000") {
			t.Errorf("error %q: name the size and the limit", err)
		}
		if _, err2 := r.Write(frameMsg(false, nil)); err2 == nil {
			t.Error("Write after an error succeeded; the framing is lost, every later Write must fail")
		}
	})
	t.Run("compressed flag must be 0 or 1", func(t *testing.T) {
		r := impl.NewReassembler(1000)
		msgs, err := r.Write(append(frameMsg(false, []byte("ok")), 2, 0, 0, 0, 0))
		if step5.Check(t, err) == nil {
			t.Fatal("a prefix with flag 2: want an error (gRPC defines only 0 and 1)")
		}
		if len(msgs) != 1 || string(msgs[0].Data) != "ok" {
			t.Errorf("the complete message before the bad prefix should still be returned; got %v", msgs)
		}
	})
}
