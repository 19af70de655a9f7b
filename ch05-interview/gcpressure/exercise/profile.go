package exercise

import (
	"io"

	"github.com/grpclabs/labs/ch05-interview/gcpressure/diag"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Site is one allocation site of a heap profile.
type Site = diag.Site

// TopInuse reads a heap profile in the text format of
// /debug/pprof/heap?debug=1 and returns its n largest allocation sites by
// bytes in use (all of them when n <= 0), largest first. A site is the
// first frame of a record's stack that is not in the runtime; the counts
// are sampled and must be scaled back up the way go tool pprof does.
// Malformed input is an error naming the line, never a panic.
//
// Step 2.
func TopInuse(r io.Reader, n int) ([]Site, error) {
	return nil, labkit.TODO("TopInuse")
}
