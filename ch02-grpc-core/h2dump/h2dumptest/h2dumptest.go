// Package h2dumptest is the h2dump lab's suite. The exercise and the
// solution both run it through their one-screen *_test.go files, handing in
// their Impl(); every assertion is written once, here.
package h2dumptest

//go:generate go run ../../cmd/h2demo record ../testdata

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/http2"

	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/dump"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch02-grpc-core/h2dump"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "ParseFrameHeader"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "CheckFrameHeader"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "FlagNames"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "Endpoint.Send / Endpoint.Recv"}
	step5 = labkit.Step{Lab: lab, N: 5, What: "Reassembler.Write"}
)

// rawHeader builds 9 header bytes by hand, independently of any parser.
func rawHeader(length uint32, typ h2.FrameType, flags h2.Flags, stream uint32) []byte {
	b := []byte{byte(length >> 16), byte(length >> 8), byte(length), byte(typ), byte(flags), 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[5:], stream)
	return b
}

// TestParseFrameHeader: step 1, the 9-byte header.
func TestParseFrameHeader(t *testing.T, impl dump.Impl) {
	requireStep(t, impl, 1)
	cases := []struct {
		name string
		in   []byte
		want h2.FrameHeader
	}{
		{"SETTINGS on stream 0", rawHeader(6, h2.FrameSettings, 0, 0), h2.FrameHeader{Length: 6, Type: h2.FrameSettings}},
		{"HEADERS END_STREAM|END_HEADERS", rawHeader(93, h2.FrameHeaders, 0x5, 1), h2.FrameHeader{Length: 93, Type: h2.FrameHeaders, Flags: 0x5, StreamID: 1}},
		{"largest length (24 bits)", rawHeader(1<<24-1, h2.FrameData, 0, 3), h2.FrameHeader{Length: 1<<24 - 1, Type: h2.FrameData, StreamID: 3}},
		{"length bytes are big-endian", []byte{0x01, 0x02, 0x03, 0, 0, 0, 0, 0, 1}, h2.FrameHeader{Length: 0x010203, StreamID: 1}},
		{"largest stream id (31 bits)", rawHeader(0, h2.FrameWindowUpdate, 0, 1<<31-1), h2.FrameHeader{Type: h2.FrameWindowUpdate, StreamID: 1<<31 - 1}},
		{"reserved bit set: ignored, not part of the id", rawHeader(4, h2.FrameRSTStream, 0, 1<<31|5), h2.FrameHeader{Length: 4, Type: h2.FrameRSTStream, StreamID: 5}},
		{"unknown type and every flag", rawHeader(0, 0xfe, 0xff, 7), h2.FrameHeader{Type: 0xfe, Flags: 0xff, StreamID: 7}},
		{"bytes after the header are not read", append(rawHeader(8, h2.FramePing, 1, 0), 0xff, 0xff, 0xff), h2.FrameHeader{Length: 8, Type: h2.FramePing, Flags: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := bytes.Clone(c.in)
			got, err := impl.ParseFrameHeader(in)
			step1.Require(t, err)
			if got != c.want {
				t.Errorf("ParseFrameHeader(% x)\n got  %+v\n want %+v", c.in, got, c.want)
			}
			if !bytes.Equal(in, c.in) {
				t.Errorf("ParseFrameHeader modified its input: % x, was % x", in, c.in)
			}
		})
	}
	t.Run("short input", func(t *testing.T) {
		for n := range h2.HeaderLen {
			_, err := impl.ParseFrameHeader(make([]byte, n))
			if step1.Check(t, err) == nil {
				t.Fatalf("ParseFrameHeader(%d bytes) = nil error; a header is 9 bytes, fewer must fail", n)
			}
			if !strings.Contains(err.Error(), "9") || !strings.Contains(err.Error(), fmt.Sprint(n)) {
				t.Errorf("ParseFrameHeader(%d bytes) error %q: say that 9 bytes are needed and %d were given", n, err, n)
			}
		}
	})
}

// TestFrameHeadersMatchFramer: step 1, cross-checked against x/net/http2's
// Framer on the recorded grpc-go connections, frame by frame.
func TestFrameHeadersMatchFramer(t *testing.T, impl dump.Impl) {
	requireStep(t, impl, 1)
	for _, name := range recordings(t) {
		t.Run(name, func(t *testing.T) {
			streams := directionBytes(t, name)
			for dir, b := range streams {
				if dir == dump.C2S {
					b = b[len(h2.ClientPreface):]
				}
				fr := http2.NewFramer(nil, bytes.NewReader(b))
				fr.SetMaxReadFrameSize(h2.MaxFrameSizeLimit)
				off, n := 0, 0
				for off < len(b) {
					got, err := impl.ParseFrameHeader(b[off:])
					step1.Require(t, err)
					f, err := fr.ReadFrame()
					if err != nil {
						t.Fatalf("%s frame %d: x/net/http2 could not read the recording: %v", dir, n, err)
					}
					want := f.Header()
					if got.Length != want.Length || uint8(got.Type) != uint8(want.Type) || uint8(got.Flags) != uint8(want.Flags) || got.StreamID != want.StreamID {
						t.Fatalf("%s frame %d at offset %d:\n got  %+v\n x/net/http2 reads %v", dir, n, off, got, want)
					}
					off += h2.HeaderLen + int(got.Length)
					n++
				}
				if n < 5 {
					t.Fatalf("%s: only %d frames in the recording; it should hold a whole call", dir, n)
				}
			}
		})
	}
}

// FuzzFrameHeader: step 1, garbage never panics the parser or the dump,
// and the parser agrees with x/net/http2.ReadFrameHeader on any 9 bytes.
func FuzzFrameHeader(f *testing.F, impl dump.Impl) {
	f.Add(rawHeader(6, h2.FrameSettings, 0, 0))
	f.Add(rawHeader(4, h2.FrameRSTStream, 0, 1<<31|5))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add(append([]byte(h2.ClientPreface), rawHeader(0, h2.FrameSettings, 0, 0)...))
	f.Add([]byte{})
	for _, name := range recordings(f) { // real frames reach HPACK and reassembly
		for _, b := range directionBytes(f, name) {
			b = bytes.TrimPrefix(b, []byte(h2.ClientPreface))
			f.Add(b[:min(len(b), 600)])
		}
	}
	_, err := impl.ParseFrameHeader(rawHeader(0, h2.FrameSettings, 0, 0))
	step1.Require(f, err)
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := impl.ParseFrameHeader(b)
		if labkit.IsTODO(err) {
			step1.Check(t, err)
		}
		want, werr := http2.ReadFrameHeader(bytes.NewReader(b))
		switch {
		case werr != nil && err == nil:
			t.Fatalf("ParseFrameHeader(% x) = %+v, nil; with fewer than 9 bytes it must fail", b, got)
		case werr == nil && err != nil:
			t.Fatalf("ParseFrameHeader(% x) failed: %v; x/net/http2 reads %v", b, err, want)
		case werr == nil && (got.Length != want.Length || uint8(got.Type) != uint8(want.Type) || uint8(got.Flags) != uint8(want.Flags) || got.StreamID != want.StreamID):
			t.Fatalf("ParseFrameHeader(% x) = %+v; x/net/http2 reads %v", b, got, want)
		}
		if err == nil {
			_ = impl.CheckFrameHeader(got, h2.DefaultMaxFrameSize)
			_, _ = impl.FlagNames(got.Type, got.Flags)
		}
		// The whole decoder, fed garbage both ways, reports and never panics.
		d := dump.New(dump.Options{Impl: impl, Out: discard{}})
		d.Replay([]dump.Chunk{{Dir: dump.C2S, Data: []byte(h2.ClientPreface)}, {Dir: dump.C2S, Data: b}, {Dir: dump.S2C, Data: b}})
	})
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

// TestCheckFrameHeader: step 2, what a header alone can get wrong.
func TestCheckFrameHeader(t *testing.T, impl dump.Impl) {
	requireStep(t, impl, 2)
	const max = h2.DefaultMaxFrameSize
	fh := func(l uint32, typ h2.FrameType, flags h2.Flags, id uint32) h2.FrameHeader {
		return h2.FrameHeader{Length: l, Type: typ, Flags: flags, StreamID: id}
	}
	ok := []h2.FrameHeader{
		fh(max, h2.FrameData, 0, 1), fh(0, h2.FrameData, h2.FlagEndStream, 1), fh(93, h2.FrameHeaders, 0x4, 1),
		fh(5, h2.FramePriority, 0, 3), fh(4, h2.FrameRSTStream, 0, 1), fh(0, h2.FrameSettings, 0, 0),
		fh(12, h2.FrameSettings, 0, 0), fh(0, h2.FrameSettings, h2.FlagAck, 0), fh(8, h2.FramePing, 0, 0),
		fh(8, h2.FramePing, h2.FlagAck, 0), fh(8, h2.FrameGoAway, 0, 0), fh(30, h2.FrameGoAway, 0, 0),
		fh(4, h2.FrameWindowUpdate, 0, 0), fh(4, h2.FrameWindowUpdate, 0, 9), fh(10, h2.FrameContinuation, 0x4, 1),
		fh(100, 0xfa, 0xff, 0), fh(100, 0xfa, 0, 7),
	}
	for _, h := range ok {
		t.Run("ok "+h.String(), func(t *testing.T) {
			err := impl.CheckFrameHeader(h, max)
			step2.Require(t, err)
			if h.Type != h2.FrameContinuation {
				if ferr := readWithFramer(h, max); ferr != nil {
					t.Fatalf("test bug: x/net/http2 rejects %v: %v", h, ferr)
				}
			}
		})
	}
	bad := []struct {
		h      h2.FrameHeader
		code   h2.ErrCode
		stream bool // a stream error, not a connection error
	}{
		{fh(max+1, h2.FrameData, 0, 1), h2.ErrCodeFrameSize, false},
		{fh(1<<24-1, h2.FrameHeaders, 0x4, 1), h2.ErrCodeFrameSize, false},
		{fh(10, h2.FrameData, 0, 0), h2.ErrCodeProtocol, false},
		{fh(10, h2.FrameHeaders, 0x4, 0), h2.ErrCodeProtocol, false},
		{fh(5, h2.FramePriority, 0, 0), h2.ErrCodeProtocol, false},
		{fh(4, h2.FramePriority, 0, 3), h2.ErrCodeFrameSize, true},
		{fh(4, h2.FrameRSTStream, 0, 0), h2.ErrCodeProtocol, false},
		{fh(8, h2.FrameRSTStream, 0, 1), h2.ErrCodeFrameSize, false},
		{fh(6, h2.FrameSettings, 0, 1), h2.ErrCodeProtocol, false},
		{fh(7, h2.FrameSettings, 0, 0), h2.ErrCodeFrameSize, false},
		{fh(6, h2.FrameSettings, h2.FlagAck, 0), h2.ErrCodeFrameSize, false},
		{fh(8, h2.FramePing, 0, 1), h2.ErrCodeProtocol, false},
		{fh(7, h2.FramePing, 0, 0), h2.ErrCodeFrameSize, false},
		{fh(8, h2.FrameGoAway, 0, 3), h2.ErrCodeProtocol, false},
		{fh(7, h2.FrameGoAway, 0, 0), h2.ErrCodeFrameSize, false},
		{fh(5, h2.FrameWindowUpdate, 0, 1), h2.ErrCodeFrameSize, false},
		{fh(3, h2.FrameWindowUpdate, 0, 0), h2.ErrCodeFrameSize, false},
	}
	for _, c := range bad {
		kind := "connection"
		if c.stream {
			kind = "stream"
		}
		t.Run(fmt.Sprintf("bad %v", c.h), func(t *testing.T) {
			err := step2.Check(t, impl.CheckFrameHeader(c.h, max))
			if err == nil {
				t.Fatalf("CheckFrameHeader(%v) = nil; want a %s error %v (RFC 9113 §6)", c.h, kind, c.code)
			}
			var e *h2.Error
			if !errors.As(err, &e) {
				t.Fatalf("CheckFrameHeader(%v) = %v (%T); return h2.ConnError or h2.StreamError so the code travels", c.h, err, err)
			}
			if e.Code != c.code || (e.Stream != 0) != c.stream {
				t.Errorf("CheckFrameHeader(%v) = %v; want a %s error %v", c.h, err, kind, c.code)
			}
			if c.stream && e.Stream != c.h.StreamID {
				t.Errorf("stream error names stream %d, want %d", e.Stream, c.h.StreamID)
			}
			if len(e.Reason) < 10 {
				t.Errorf("reason %q: say what is wrong, so the reader can fix it", e.Reason)
			}
			if readWithFramer(c.h, max) == nil {
				t.Errorf("x/net/http2's Framer accepts %v: this case should not be in the bad list", c.h)
			}
		})
	}
	t.Run("the limit is the advertised one", func(t *testing.T) {
		h := fh(100000, h2.FrameData, 0, 1)
		step2.Require(t, impl.CheckFrameHeader(h, 1<<20))
		if impl.CheckFrameHeader(h, max) == nil {
			t.Errorf("CheckFrameHeader(%v, %d) = nil; the payload is above the limit", h, max)
		}
	})
}

// readWithFramer hands a frame with this header (payload of 0x01 bytes) to
// x/net/http2's Framer.
func readWithFramer(h h2.FrameHeader, max uint32) error {
	b := rawHeader(h.Length, h.Type, h.Flags, h.StreamID)
	b = append(b, bytes.Repeat([]byte{1}, int(h.Length))...)
	fr := http2.NewFramer(nil, bytes.NewReader(b))
	fr.SetMaxReadFrameSize(max)
	_, err := fr.ReadFrame()
	return err
}

// TestFlagNames: step 3, each type's flags by name, checked for every
// type and flag byte against x/net/http2's own naming.
func TestFlagNames(t *testing.T, impl dump.Impl) {
	requireStep(t, impl, 3)
	cases := []struct {
		t    h2.FrameType
		f    h2.Flags
		want []string
	}{
		{h2.FrameData, 0x1, []string{"END_STREAM"}},
		{h2.FramePing, 0x1, []string{"ACK"}},
		{h2.FrameSettings, 0x1, []string{"ACK"}},
		{h2.FrameHeaders, 0x25, []string{"END_STREAM", "END_HEADERS", "PRIORITY"}},
		{h2.FrameHeaders, 0x8, []string{"PADDED"}},
		{h2.FrameContinuation, 0x4, []string{"END_HEADERS"}},
		{h2.FrameData, 0, nil},
	}
	for _, c := range cases {
		got, err := impl.FlagNames(c.t, c.f)
		step3.Require(t, err)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("FlagNames(%v, 0x%02x) = %q, want %q", c.t, uint8(c.f), got, c.want)
		}
	}
	for typ := range 12 {
		for fl := range 256 {
			got, err := impl.FlagNames(h2.FrameType(typ), h2.Flags(fl))
			step3.Check(t, err)
			s := http2.FrameHeader{Type: http2.FrameType(typ), Flags: http2.Flags(fl), StreamID: 1}.String()
			want := ""
			if i := strings.Index(s, "flags="); i >= 0 {
				want = strings.Fields(s[i+len("flags="):])[0]
			}
			if strings.Join(got, "|") != want {
				t.Fatalf("FlagNames(%v, 0x%02x) = %q; x/net/http2 names them %q", h2.FrameType(typ), fl, got, want)
			}
			if undefined := strings.Contains(want, "0x"); undefined != (err != nil) {
				t.Fatalf("FlagNames(%v, 0x%02x) error = %v; want an error exactly when a set bit is undefined for the type (%q)", h2.FrameType(typ), fl, err, want)
			}
		}
	}
}
