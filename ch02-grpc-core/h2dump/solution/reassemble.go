package solution

import (
	"encoding/binary"
	"fmt"

	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2"
)

// Reassembler cuts one direction of one stream's DATA bytes into gRPC
// messages. HTTP/2 framing and gRPC framing are independent: a message may
// span many DATA frames and one frame may carry several messages, so the
// bytes are buffered until a whole message is there.
type Reassembler struct {
	max int
	buf []byte
	err error // sticky: after a bad prefix the framing is lost for good
}

// NewReassembler returns a Reassembler that rejects messages larger than
// max bytes (gRPC's default receive limit is 4 MiB).
func NewReassembler(max int) *Reassembler { return &Reassembler{max: max} }

// Write adds the payload of one DATA frame and returns the messages it
// completed, in order. The returned messages own their bytes.
func (r *Reassembler) Write(data []byte) ([]h2.Message, error) {
	if r.err != nil {
		return nil, r.err
	}
	r.buf = append(r.buf, data...)
	var msgs []h2.Message
	for len(r.buf) >= h2.MessagePrefixLen {
		flag := r.buf[0]
		if flag > 1 {
			r.err = fmt.Errorf("gRPC message prefix: compressed flag is %d, must be 0 or 1", flag)
			return msgs, r.err
		}
		n := binary.BigEndian.Uint32(r.buf[1:5])
		// Checked before waiting for the body, as grpc-go does, so a
		// hostile length cannot make us buffer gigabytes.
		if uint64(n) > uint64(r.max) {
			r.err = fmt.Errorf("gRPC message of %d bytes exceeds the limit of %d bytes", n, r.max)
			return msgs, r.err
		}
		if len(r.buf) < h2.MessagePrefixLen+int(n) {
			break
		}
		body := r.buf[h2.MessagePrefixLen : h2.MessagePrefixLen+int(n)]
		msgs = append(msgs, h2.Message{Compressed: flag == 1, Data: append([]byte(nil), body...)})
		r.buf = r.buf[h2.MessagePrefixLen+int(n):]
	}
	if len(r.buf) == 0 {
		r.buf = nil // let a large finished message's buffer go
	}
	return msgs, nil
}

// Buffered is how many bytes of an unfinished message are held. At
// END_STREAM it must be 0, or the stream ended mid-message.
func (r *Reassembler) Buffered() int { return len(r.buf) }
