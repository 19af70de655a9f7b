package solution

import (
	"bytes"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/grpclabs/labs/ch05-interview/grpcinternals/observe"
)

// Write is one Write on a tapped connection.
type Write = observe.Write

// Tapped is a net.Conn that records every Write, with the stack of the
// goroutine that made it, and every byte read.
type Tapped struct {
	net.Conn
	mu     sync.Mutex
	writes []Write
	read   bytes.Buffer
}

// Tap wraps c.
func Tap(c net.Conn) *Tapped { return &Tapped{Conn: c} }

// Write records the calling goroutine's stack, then writes.
func (t *Tapped) Write(p []byte) (int, error) {
	id, funcs := stack()
	t.mu.Lock()
	t.writes = append(t.writes, Write{Goroutine: id, Funcs: funcs, Bytes: bytes.Clone(p)})
	t.mu.Unlock()
	return t.Conn.Write(p)
}

// Read reads and records what was read.
func (t *Tapped) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	t.mu.Lock()
	t.read.Write(p[:n])
	t.mu.Unlock()
	return n, err
}

// Writes returns the writes so far.
func (t *Tapped) Writes() []Write {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Write(nil), t.writes...)
}

// Written returns every byte written so far, in order.
func (t *Tapped) Written() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b []byte
	for _, w := range t.writes {
		b = append(b, w.Bytes...)
	}
	return b
}

// ReadBytes returns every byte read so far.
func (t *Tapped) ReadBytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Clone(t.read.Bytes())
}

// stack returns the calling goroutine's id and function names, innermost
// first, from runtime.Stack: "goroutine 7 [running]:", then a function
// line and a tab-indented file:line for each frame.
func stack() (int64, []string) {
	buf := make([]byte, 16<<10)
	buf = buf[:runtime.Stack(buf, false)]
	lines := strings.Split(string(buf), "\n")
	f := strings.Fields(lines[0])
	var id int64
	if len(f) > 1 {
		id, _ = strconv.ParseInt(f[1], 10, 64)
	}
	var funcs []string
	for _, l := range lines[1:] {
		if l == "" || strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "created by ") {
			continue
		}
		if i := strings.LastIndexByte(l, '('); i > 0 && strings.HasSuffix(l, ")") {
			l = l[:i]
		}
		funcs = append(funcs, l)
	}
	return id, funcs
}
