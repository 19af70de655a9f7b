package exercise

import (
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Reassembler cuts one direction of one stream's DATA bytes into gRPC
// messages: each is a 5-byte prefix (compressed flag 0 or 1, then a 4-byte
// big-endian length) and that many bytes. A message may span many DATA
// frames, and one frame may hold several messages.
//
// Step 5. Add the fields you need.
type Reassembler struct {
	max int
}

// NewReassembler returns a Reassembler that rejects messages larger than
// max bytes.
func NewReassembler(max int) *Reassembler { return &Reassembler{max: max} }

// Write adds the payload of one DATA frame and returns the messages it
// completed, in order. Returned messages must own their bytes: the caller
// reuses data. A bad compressed flag or a message above max is an error,
// and every later Write returns it too: the framing is lost.
func (r *Reassembler) Write(data []byte) ([]h2.Message, error) {
	return nil, labkit.TODO("Reassembler.Write")
}

// Buffered is how many bytes of an unfinished message are held.
func (r *Reassembler) Buffered() int {
	return 0 // TODO (step 5)
}
