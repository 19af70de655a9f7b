package dump

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// A recording is one connection's bytes as the proxy read them, one chunk
// per line: "c2s <seconds since the connection opened> <hex>". Lines
// starting with # are comments. Replaying a recording through a Dumper gives
// the same dump every time, which is what the golden tests compare.

// Recorder writes a recording; pass its Write method as Proxy.Record.
type Recorder struct {
	W     io.Writer
	start time.Time
}

// Write appends one chunk.
func (r *Recorder) Write(dir Dir, b []byte, at time.Time) error {
	if r.start.IsZero() {
		r.start = at
	}
	_, err := fmt.Fprintf(r.W, "%s %.6f %x\n", dir, at.Sub(r.start).Seconds(), b)
	return err
}

// Chunk is one line of a recording.
type Chunk struct {
	Dir  Dir
	At   time.Duration // since the first chunk
	Data []byte
}

// ReadRecording parses a recording.
func ReadRecording(r io.Reader) ([]Chunk, error) {
	var out []Chunk
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Fields(line)
		if len(parts) != 3 {
			return nil, fmt.Errorf("recording line %d: want \"dir seconds hex\", got %d fields", n, len(parts))
		}
		var c Chunk
		switch parts[0] {
		case "c2s":
			c.Dir = C2S
		case "s2c":
			c.Dir = S2C
		default:
			return nil, fmt.Errorf("recording line %d: direction %q is neither c2s nor s2c", n, parts[0])
		}
		sec, err := strconv.ParseFloat(parts[1], 64)
		if err != nil {
			return nil, fmt.Errorf("recording line %d: time: %v", n, err)
		}
		c.At = time.Duration(sec * float64(time.Second))
		if c.Data, err = hex.DecodeString(parts[2]); err != nil {
			return nil, fmt.Errorf("recording line %d: bytes: %v", n, err)
		}
		out = append(out, c)
	}
	return out, sc.Err()
}

// Replay decodes a recorded connection as if it were live, with the
// timestamps of the recording, starting at the Dumper's Start.
func (d *Dumper) Replay(chunks []Chunk) {
	start := d.o.Start
	c := d.NewConn("client", "server", start)
	end := start
	for _, ch := range chunks {
		end = start.Add(ch.At)
		c.Feed(ch.Dir, ch.Data, end)
	}
	c.Close(end)
}
