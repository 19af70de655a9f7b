package grpcinternalstest

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
	"testing/synctest"

	"golang.org/x/net/http2"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	probev1 "github.com/grpclabs/labs/ch05-interview/gen/probe/v1"
	"github.com/grpclabs/labs/ch05-interview/grpcinternals/observe"
	"github.com/grpclabs/labs/scripts/labkit"
)

// cannedFrames is a client's side of a connection, written by x/net/http2.
func cannedFrames(t *testing.T) ([]byte, []observe.Frame) {
	var b bytes.Buffer
	b.WriteString(http2.ClientPreface)
	fr := http2.NewFramer(&b, nil)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 20}))
	must(fr.WriteSettingsAck())
	must(fr.WriteWindowUpdate(0, 983041))
	must(fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x83, 0x86}, EndHeaders: true}))
	must(fr.WriteData(1, false, make([]byte, 16384)))
	must(fr.WriteData(1, true, []byte("hello")))
	must(fr.WritePing(false, [8]byte{1}))
	must(fr.WritePing(true, [8]byte{1}))
	must(fr.WriteRSTStream(3, http2.ErrCodeCancel))
	must(fr.WriteGoAway(3, http2.ErrCodeNo, nil))
	want := []observe.Frame{
		{Type: "SETTINGS", Length: 6},
		{Type: "SETTINGS", Ack: true},
		{Type: "WINDOW_UPDATE", Length: 4, Increment: 983041},
		{Type: "HEADERS", StreamID: 1, Length: 2},
		{Type: "DATA", StreamID: 1, Length: 16384},
		{Type: "DATA", StreamID: 1, Length: 5, EndStream: true},
		{Type: "PING", Length: 8},
		{Type: "PING", Length: 8, Ack: true},
		{Type: "RST_STREAM", StreamID: 3, Length: 4},
		{Type: "GOAWAY", Length: 8},
	}
	return b.Bytes(), want
}

// frames calls the lab's Frames, handing a TODO to step 3.
func frames(t *testing.T, l Lab, b []byte) []observe.Frame {
	t.Helper()
	fs, err := l.Frames(b)
	step3.Require(t, err)
	return fs
}

// TestFrames: step 3, decoding a connection's bytes into HTTP/2 frames.
func TestFrames(t *testing.T, l Lab) {
	b, want := cannedFrames(t)
	if got := frames(t, l, b); !reflect.DeepEqual(got, want) {
		t.Errorf("Frames(canned connection) =\n  %+v\nwant\n  %+v", got, want)
	}
	// A capture can stop in the middle of a frame: the partial one is left out.
	if got := frames(t, l, b[:len(b)-3]); !reflect.DeepEqual(got, want[:len(want)-1]) {
		t.Errorf("Frames(capture cut inside the last frame) = %+v, want all but the last frame", got)
	}
	// The server's side has no preface.
	if got := frames(t, l, b[len(http2.ClientPreface):]); len(got) != len(want) {
		t.Errorf("Frames(without the preface) gave %d frames, want %d", len(got), len(want))
	}
	for _, bad := range [][]byte{
		{0, 0, 0, byte(http2.FrameData), 0, 0, 0, 0, 0},                       // DATA on stream 0
		{0, 0, 6, byte(http2.FrameSettings), 0, 0, 0, 0, 1, 0, 4, 0, 0, 0, 1}, // SETTINGS on a stream
		{0, 0, 3, byte(http2.FrameWindowUpdate), 0, 0, 0, 0, 0, 1, 2, 3},      // WINDOW_UPDATE of 3 bytes
	} {
		got, err := l.Frames(bad)
		if step3.Check(t, err) == nil {
			t.Errorf("Frames(% x) = %+v, nil; want the framer's error", bad, got)
		}
	}
}

// gatedUpload is an Upload handler that does not read until released.
type gatedUpload struct {
	probev1.UnimplementedProbeServiceServer
	release chan struct{}
}

func (g *gatedUpload) Upload(stream probev1.ProbeService_UploadServer) error {
	<-g.release
	var n int64
	for {
		c, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stream.SendAndClose(&probev1.UploadResponse{Bytes: n})
		}
		if err != nil {
			return err
		}
		n += int64(len(c.GetData()))
	}
}

// TestFlowControl: step 3, what happens to a message larger than the
// flow-control window, seen in the frames on the wire.
func TestFlowControl(t *testing.T, l Lab) {
	if _, err := l.Frames(nil); step3.Check(t, err) != nil {
		t.Fatal(err)
	}
	requireTap(t, l)
	labkit.Bubble(t, func(t *testing.T) {
		const window = 65535 // HTTP/2's initial window; static: no BDP growth
		g := &gatedUpload{release: make(chan struct{})}
		h, cc := dialTapped(t, l, func(s *grpc.Server) { probev1.RegisterProbeServiceServer(s, g) },
			grpc.StaticStreamWindowSize(window), grpc.StaticConnWindowSize(window))
		stream, err := probev1.NewProbeServiceClient(cc).Upload(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		big := &probev1.Chunk{Data: make([]byte, 1<<20)}
		first, second := make(chan error, 1), make(chan error, 1)
		go func() { first <- stream.Send(big) }()
		synctest.Wait()
		select {
		case err := <-first:
			if err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatal("Send of a 1 MiB message did not return while the server was not reading")
		}
		go func() { second <- stream.Send(big) }()
		synctest.Wait()
		select {
		case <-second:
			t.Fatal("a second 1 MiB Send returned while the server was not reading")
		default:
		}
		// Everything is blocked now: what reached the wire?
		sent := dataOn(frames(t, l, h.get().Written()), 1)
		t.Logf("client's DATA on stream 1 while the server does not read: %v (total %d)", sent.sizes, sent.total)
		if sent.total != window {
			t.Errorf("%d bytes of DATA went out on the stream before the server read anything, want exactly the window, %d", sent.total, window)
		}
		if sent.max > 16384 {
			t.Errorf("a DATA frame of %d bytes: frames are at most SETTINGS_MAX_FRAME_SIZE, 16384 by default", sent.max)
		}
		before := len(frames(t, l, h.get().ReadBytes()))
		close(g.release)
		synctest.Wait()
		if err := <-second; err != nil {
			t.Fatal(err)
		}
		// The server's first window update for the stream, once its handler
		// began to read the 1 MiB message.
		msgLen := uint32(proto.Size(big))
		var update uint32
		for _, f := range frames(t, l, h.get().ReadBytes())[before:] {
			if f.Type == "WINDOW_UPDATE" && f.StreamID == 1 {
				update = f.Increment
				break
			}
		}
		t.Logf("the server's first WINDOW_UPDATE for stream 1 after its handler began to read: +%d (the message is %d bytes)", update, msgLen)
		if update != msgLen {
			t.Errorf("the first stream WINDOW_UPDATE after the handler read was +%d; grpc-go opens the window for the whole message it is reading (%d bytes) at once", update, msgLen)
		}
		stream.CloseSend()
		resp, err := stream.CloseAndRecv()
		if err != nil || resp.GetBytes() != 2<<20 {
			t.Errorf("CloseAndRecv = %v, %v; want 2 MiB received", resp, err)
		}
	})
}

type dataStats struct {
	sizes      []int
	total, max int
}

func dataOn(fs []observe.Frame, stream uint32) dataStats {
	var d dataStats
	for _, f := range fs {
		if f.Type == "DATA" && f.StreamID == stream {
			d.sizes = append(d.sizes, f.Length)
			d.total += f.Length
			d.max = max(d.max, f.Length)
		}
	}
	return d
}
