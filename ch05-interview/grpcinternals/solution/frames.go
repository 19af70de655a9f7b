package solution

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"golang.org/x/net/http2"

	"github.com/grpclabs/labs/ch05-interview/grpcinternals/observe"
)

// Frame is one decoded HTTP/2 frame.
type Frame = observe.Frame

// Frames decodes the HTTP/2 frames in b, the bytes one side of a
// connection wrote (the client's start with the connection preface, which
// is skipped). x/net/http2's Framer does the parsing; a trailing partial
// frame (the capture stopped mid-frame) is left out, anything else that is
// not HTTP/2 is an error.
func Frames(b []byte) ([]Frame, error) {
	b = bytes.TrimPrefix(b, []byte(http2.ClientPreface))
	fr := http2.NewFramer(io.Discard, bytes.NewReader(b))
	fr.SetMaxReadFrameSize(1 << 24)
	var out []Frame
	for {
		f, err := fr.ReadFrame()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", len(out)+1, err)
		}
		h := f.Header()
		fo := Frame{Type: h.Type.String(), StreamID: h.StreamID, Length: int(h.Length)}
		switch f := f.(type) {
		case *http2.DataFrame:
			fo.EndStream = f.StreamEnded()
		case *http2.HeadersFrame:
			fo.EndStream = f.StreamEnded()
		case *http2.WindowUpdateFrame:
			fo.Increment = f.Increment
		case *http2.SettingsFrame:
			fo.Ack = f.IsAck()
		case *http2.PingFrame:
			fo.Ack = f.IsAck()
		}
		out = append(out, fo)
	}
}
