package dump

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc/codes"

	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2"
	"github.com/grpclabs/labs/scripts/labkit"
)

// Options configure a [Dumper].
type Options struct {
	Impl Impl
	Out  io.Writer
	// JSON prints one JSON object per line instead of text.
	JSON bool
	// Color paints each stream's frames in its own colour (text only).
	Color bool
	// MaxMessage bounds the gRPC messages reassembled; 0 means DefaultMaxMessage.
	MaxMessage int
	// Start is time zero for the timestamps; zero means when New is called.
	Start time.Time
	// Buffer, when above 0, puts an [Output] of that many bytes between
	// the dump and Out, so a reader that stops reading (a paused pager, a
	// FIFO nobody reads) costs dropped dump lines, never a stall. Close
	// the Dumper to write out what is left.
	Buffer int
}

// Dumper prints the frames of any number of connections to one writer,
// numbering frames and connections in the order it sees them.
type Dumper struct {
	o      Options
	output *Output    // nil unless Options.Buffer > 0
	mu     sync.Mutex // guards seq, conns, line and the order of what is written
	seq    int
	conns  int
	line   []byte   // the text of one frame, reused
	num    [32]byte // scratch for one formatted number
}

// New returns a Dumper.
func New(o Options) *Dumper {
	if o.MaxMessage == 0 {
		o.MaxMessage = DefaultMaxMessage
	}
	if o.Start.IsZero() {
		o.Start = time.Now()
	}
	d := &Dumper{o: o}
	if o.Buffer > 0 {
		d.output = NewOutput(o.Out, o.Buffer, d.droppedNotice)
		d.o.Out = d.output
	}
	return d
}

// Close writes out what the dump's buffer still holds, for as long as ctx
// allows, and says how many records a slow reader cost (0 without
// Options.Buffer).
func (d *Dumper) Close(ctx context.Context) (dropped int64, err error) {
	if d.output == nil {
		return 0, nil
	}
	err = d.output.Close(ctx)
	return d.output.Dropped(), err
}

// droppedNotice is the line an Output writes when its reader caught up.
func (d *Dumper) droppedNotice(n int64) []byte {
	text := fmt.Sprintf("dump output fell behind its reader: %d records dropped here (the proxy forwarded every byte)", n)
	if d.o.JSON {
		b, _ := json.Marshal(map[string]any{"event": "output_dropped", "dropped": n, "message": text})
		return append(b, '\n')
	}
	return []byte("== " + text + "\n")
}

// grpc-go's fixed PING payloads (internal/transport in grpc-go v1.85.0):
// the BDP estimator's ping and the ping that separates the two GOAWAYs of a
// graceful shutdown. Keepalive pings carry eight zero bytes.
var (
	bdpPingData     = [8]byte{2, 4, 16, 16, 9, 14, 7, 7}
	goAwayPingData  = [8]byte{1, 6, 1, 8, 0, 3, 3, 9}
	keepalivePingID = [8]byte{}
)

const maxErrors = 16 // per direction, before the decoder gives up on it

// Conn decodes one proxied connection. Feed it the bytes of both
// directions in the order they were read; it is not safe for concurrent use.
type Conn struct {
	d       *Dumper
	id      int
	stopped bool
	dirs    [2]*dirState
	ep      [2]Endpoint // client's and server's view, nil when not available
	streams map[uint32]*streamInfo
	pings   [2]map[[8]byte]pingSent
	// settingsSent queues each direction's unacknowledged SETTINGS frames.
	settingsSent [2][]int
	flow         [2]*flowWindows // indexed by sender
	hdrStream    *streamInfo     // the stream whose header block is being decoded
	hdrDir       Dir
	maxFrame     [2]uint32 // largest payload the sender may use
	bytes        [2]int64
	frames       int
	ended        [2]string // how a direction ended, when not cleanly
	notedTODO    map[string]bool
	// Reused from frame to frame: the decoder allocates little per frame.
	fr    frame
	flags map[uint16]flagNames
}

// flagNames is what Impl.FlagNames said for one type and flags byte.
type flagNames struct {
	names []string
	err   error
}

type dirState struct {
	buf       []byte // bytes read and not yet decoded (inside store)
	store     []byte
	started   bool // preface (c2s) or first frame (s2c) checked
	skip      int  // payload bytes still to skip
	errors    int
	stopped   bool
	hdec      *hpack.Decoder
	hpackDead bool
	// block collects a header block split over HEADERS + CONTINUATION.
	block       []byte
	blockStream uint32
	blockKind   string
	pending     bool
}

type streamInfo struct {
	path     string
	encoding [2]string
	headers  [2]int
	reasm    [2]Reassembler
	msgs     [2]int
	ended    [2]bool
}

type pingSent struct {
	seq int
	at  time.Time
}

// flowWindows is what one sender may still send: RFC 9113 §6.9.
type flowWindows struct {
	conn    int64
	initial int64
	streams map[uint32]int64
}

func (f *flowWindows) stream(id uint32) int64 {
	if w, ok := f.streams[id]; ok {
		return w
	}
	return f.initial
}

// NewConn starts decoding a new connection between client and server
// (addresses, for the log) and prints that it opened.
func (d *Dumper) NewConn(client, server string, at time.Time) *Conn {
	d.mu.Lock()
	d.conns++
	id := d.conns
	d.mu.Unlock()
	c := &Conn{d: d, id: id, streams: map[uint32]*streamInfo{}, notedTODO: map[string]bool{}, flags: map[uint16]flagNames{}}
	for i := range c.dirs {
		c.dirs[i] = &dirState{hdec: hpack.NewDecoder(4096, nil)}
		c.dirs[i].hdec.SetEmitFunc(func(hf hpack.HeaderField) { c.header(hf) })
		c.dirs[i].hdec.SetMaxStringLength(1 << 20)
		c.pings[i] = map[[8]byte]pingSent{}
		c.flow[i] = &flowWindows{conn: 65535, initial: 65535, streams: map[uint32]int64{}}
		c.maxFrame[i] = h2.DefaultMaxFrameSize
	}
	if d.o.Impl.NewEndpoint != nil {
		c.ep = [2]Endpoint{d.o.Impl.NewEndpoint(true), d.o.Impl.NewEndpoint(false)}
	}
	c.event(at, "open", fmt.Sprintf("conn %d: opened, client %s → server %s", id, client, server),
		map[string]any{"client": client, "server": server})
	return c
}

// ID is the connection's number in the dump (1, 2, ...).
func (c *Conn) ID() int { return c.id }

// Feed decodes the bytes b that went in direction dir at time at.
func (c *Conn) Feed(dir Dir, b []byte, at time.Time) {
	c.bytes[dir] += int64(len(b))
	ds := c.dirs[dir]
	if c.stopped || ds.stopped {
		return
	}
	if len(ds.buf) == 0 {
		ds.buf = ds.store[:0] // reuse the buffer
	}
	ds.buf = append(ds.buf, b...)
	for !c.stopped && !ds.stopped && c.step(dir, at) {
	}
	// Keep what is left (part of a frame) at the start of the buffer, so
	// it does not grow with the connection.
	ds.store = append(ds.store[:0], ds.buf...)
	ds.buf = ds.store
}

// newFrame resets the Conn's one frame for the next unit to print.
func (c *Conn) newFrame(dir Dir, typ string, h h2.FrameHeader) *frame {
	f := &c.fr
	*f = frame{Conn: c.id, Dir: dir.String(), Type: typ, Stream: h.StreamID, Length: h.Length, Flags: uint8(h.Flags),
		Settings: f.Settings[:0], Headers: f.Headers[:0], Messages: f.Messages[:0], Notes: f.Notes[:0], Errors: f.Errors[:0], arena: f.arena[:0]}
	return f
}

// flagNamesOf asks the Impl once per type and flags byte.
func (c *Conn) flagNamesOf(t h2.FrameType, fl h2.Flags) flagNames {
	k := uint16(t)<<8 | uint16(fl)
	fn, ok := c.flags[k]
	if !ok {
		fn.names, fn.err = c.d.o.Impl.FlagNames(t, fl)
		c.flags[k] = fn
	}
	return fn
}

// Dropped reports that the decoder fell behind and stops this connection's dump.
func (c *Conn) Dropped(at time.Time, reason string) {
	if c.stopped {
		return
	}
	c.stopped = true
	c.event(at, "dropped", fmt.Sprintf("conn %d: dump stopped: %s; the proxy keeps forwarding this connection untouched", c.id, reason),
		map[string]any{"reason": reason})
}

// Ended records how the connection ended in direction dir, when that was
// not a clean close (a reset, a failed write); Close reports it.
func (c *Conn) Ended(dir Dir, how string) { c.ended[dir] = how }

// Close prints a summary: bytes each way, frames, streams cut short, a
// frame the connection ended in the middle of, and how it ended when that
// was not a clean close.
func (c *Conn) Close(at time.Time) {
	var notes []string
	for id, si := range c.streams {
		for dir := range 2 {
			if r := si.reasm[dir]; r != nil && r.Buffered() > 0 {
				notes = append(notes, fmt.Sprintf("stream %d %s: %d bytes of an unfinished gRPC message", id, Dir(dir), r.Buffered()))
			}
		}
	}
	sort.Strings(notes)
	for dir := range 2 {
		if cut := c.cutShort(Dir(dir)); cut != "" {
			notes = append(notes, cut)
		}
	}
	for dir := range 2 {
		if c.ended[dir] != "" {
			notes = append(notes, c.ended[dir])
		}
	}
	text := fmt.Sprintf("conn %d: closed after %d frames; %d bytes c→s, %d bytes s→c", c.id, c.frames, c.bytes[C2S], c.bytes[S2C])
	for _, n := range notes {
		text += "\n      " + n
	}
	c.event(at, "close", text, map[string]any{"frames": c.frames, "bytes_c2s": c.bytes[C2S], "bytes_s2c": c.bytes[S2C], "notes": notes})
}

// cutShort describes the bytes of direction dir that were still waiting
// to make a whole frame (or preface) when the connection ended.
func (c *Conn) cutShort(dir Dir) string {
	ds := c.dirs[dir]
	if c.stopped || ds.stopped {
		return "" // the dump had given up on these bytes already
	}
	switch {
	case ds.skip > 0:
		return fmt.Sprintf("%s: the connection ended inside a skipped frame payload, %d bytes short", dir, ds.skip)
	case len(ds.buf) == 0:
		return ""
	case !ds.started && dir == C2S:
		return fmt.Sprintf("%s: the connection ended inside the client preface: %d of its %d bytes", dir, len(ds.buf), len(h2.ClientPreface))
	case len(ds.buf) < h2.HeaderLen:
		return fmt.Sprintf("%s: the last frame is cut short: %d of its 9 header bytes arrived", dir, len(ds.buf))
	}
	h, err := c.d.o.Impl.ParseFrameHeader(ds.buf[:h2.HeaderLen])
	if err != nil {
		return fmt.Sprintf("%s: the last frame is cut short: %d bytes of it arrived", dir, len(ds.buf))
	}
	return fmt.Sprintf("%s: the last frame is cut short: %v on stream %d announced %d payload bytes, %d arrived", dir, h.Type, h.StreamID, h.Length, len(ds.buf)-h2.HeaderLen)
}

// step decodes at most one unit (preface or frame); false means it needs more bytes.
func (c *Conn) step(dir Dir, at time.Time) bool {
	ds := c.dirs[dir]
	if ds.skip > 0 {
		n := min(ds.skip, len(ds.buf))
		ds.buf, ds.skip = ds.buf[n:], ds.skip-n
		return ds.skip == 0 && len(ds.buf) > 0
	}
	if !ds.started {
		return c.start(dir, at)
	}
	if len(ds.buf) < h2.HeaderLen {
		return false
	}
	impl := c.d.o.Impl
	h, err := impl.ParseFrameHeader(ds.buf[:h2.HeaderLen])
	if err != nil {
		if labkit.IsTODO(err) {
			c.Dropped(at, err.Error()+" (ch02-grpc-core/h2dump/README.md, step 1); run with -impl=solution to see frames")
			return false
		}
		// Nine bytes are always enough for a header; a correct parser never gets here.
		c.Dropped(at, "frame header: "+err.Error())
		return false
	}
	f := c.newFrame(dir, h.Type.String(), h)
	if impl.FlagNames != nil {
		fn := c.flagNamesOf(h.Type, h.Flags)
		names, err := fn.names, fn.err
		if c.todo("FlagNames", 3, err) {
			names = nil
		} else if err != nil {
			f.note("warning: " + err.Error())
		}
		f.FlagNames = names
	}
	var bad error
	if impl.CheckFrameHeader != nil {
		err := impl.CheckFrameHeader(h, c.maxFrame[dir])
		if !c.todo("CheckFrameHeader", 2, err) && err != nil {
			bad = err
		}
	}
	if bad != nil {
		// The header is still framing: skip the payload and carry on, so
		// one bad frame does not end the dump.
		ds.buf = ds.buf[h2.HeaderLen:]
		ds.skip = int(h.Length)
		f.errorf("%v; payload skipped", bad)
		c.frames++ // a frame, if a bad one: the closing count includes it
		c.emit(at, dir, f)
		c.countError(dir, at)
		return true
	}
	if len(ds.buf) < h2.HeaderLen+int(h.Length) {
		return false
	}
	p := ds.buf[h2.HeaderLen : h2.HeaderLen+int(h.Length)]
	ds.buf = ds.buf[h2.HeaderLen+int(h.Length):]
	c.stateMachine(dir, h, f)
	c.body(dir, h, p, f, at)
	c.emit(at, dir, f)
	if len(f.Errors) > 0 {
		c.countError(dir, at)
	}
	return true
}

func (c *Conn) countError(dir Dir, at time.Time) {
	ds := c.dirs[dir]
	ds.errors++
	if ds.errors == maxErrors {
		ds.stopped = true
		c.event(at, "stopped", fmt.Sprintf("conn %d %s: %d protocol errors, this does not look like HTTP/2; decoding of this direction stops, forwarding goes on", c.id, dir.arrow(), maxErrors),
			map[string]any{"dir": dir.String()})
	}
}

// start checks what must open each direction: the client preface, and on
// the server side a first frame that is not an HTTP/1.x status line.
func (c *Conn) start(dir Dir, at time.Time) bool {
	ds := c.dirs[dir]
	if dir == C2S {
		n := min(len(ds.buf), len(h2.ClientPreface))
		if string(ds.buf[:n]) != h2.ClientPreface[:n] {
			c.notHTTP2(dir, at)
			return false
		}
		if n < len(h2.ClientPreface) {
			return false
		}
		ds.buf = ds.buf[n:]
		ds.started = true
		f := c.newFrame(dir, "PREFACE", h2.FrameHeader{Length: uint32(n)})
		f.note(fmt.Sprintf("client connection preface %q: prior-knowledge HTTP/2 (h2c), a SETTINGS frame follows", h2.ClientPreface))
		c.emit(at, dir, f)
		return true
	}
	const http1 = "HTTP/1."
	n := min(len(ds.buf), len(http1))
	if string(ds.buf[:n]) == http1[:n] {
		if n < len(http1) {
			return false
		}
		c.notHTTP2(dir, at)
		return false
	}
	if len(ds.buf) < h2.HeaderLen {
		return false
	}
	ds.started = true
	if h2.FrameType(ds.buf[3]) != h2.FrameSettings {
		c.event(at, "warning", fmt.Sprintf("conn %d s→c: the server's first frame is %v; RFC 9113 §3.4 requires SETTINGS", c.id, h2.FrameType(ds.buf[3])), nil)
	}
	return true
}

func (c *Conn) notHTTP2(dir Dir, at time.Time) {
	ds := c.dirs[dir]
	got := ds.buf
	if len(got) > 40 {
		got = got[:40]
	}
	var why string
	if dir == C2S {
		why = fmt.Sprintf("not an HTTP/2 connection: expected the client preface %q, got %q", h2.ClientPreface, got)
		if looksHTTP1(ds.buf) {
			why += " (that is HTTP/1.x; gRPC needs HTTP/2, here without TLS: h2c with prior knowledge)"
		}
	} else {
		why = fmt.Sprintf("the server answered %q: that is HTTP/1.x, not HTTP/2", got)
	}
	c.stopped = true
	c.event(at, "not_http2", fmt.Sprintf("conn %d %s: %s; the dump of this connection stops, the bytes keep flowing", c.id, dir.arrow(), why),
		map[string]any{"dir": dir.String(), "reason": why})
}

func looksHTTP1(b []byte) bool {
	for _, m := range []string{"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT "} {
		if bytes.HasPrefix(b, []byte(m)) {
			return true
		}
	}
	return false
}

// todo notes once that an exercise piece is missing; it reports whether err was the TODO signal.
func (c *Conn) todo(what string, step int, err error) bool {
	if !labkit.IsTODO(err) {
		return false
	}
	if !c.notedTODO[what] {
		c.notedTODO[what] = true
		c.event(time.Time{}, "todo", fmt.Sprintf("conn %d: %v (ch02-grpc-core/h2dump/README.md, step %d): the dump goes on without it", c.id, err, step), map[string]any{"what": what})
	}
	return true
}

// stateMachine drives both endpoints' views of the stream.
func (c *Conn) stateMachine(dir Dir, h h2.FrameHeader, f *frame) {
	if c.ep[0] == nil {
		return
	}
	sender, receiver := c.ep[dir], c.ep[dir.other()]
	// Endpoint index 0 is the client: C2S frames are the client's sends.
	beforeC, beforeS := c.ep[0].State(h.StreamID), c.ep[1].State(h.StreamID)
	_, serr := sender.Send(h)
	_, rerr := receiver.Recv(h)
	if c.todo("Endpoint", 4, serr) || c.todo("Endpoint", 4, rerr) {
		c.ep = [2]Endpoint{}
		return
	}
	if h.StreamID != 0 {
		afterC, afterS := c.ep[0].State(h.StreamID), c.ep[1].State(h.StreamID)
		f.StateClient, f.StateServer = afterC.String(), afterS.String()
		if afterC != beforeC || afterS != beforeS {
			f.states = [4]h2.State{beforeC, afterC, beforeS, afterS}
			f.stateChanged = true
		}
	}
	// Only the receiver's verdict is printed. The proxy sees each frame
	// between the two ends, so a frame that crossed another on the wire
	// (a DATA sent just before the peer's RST_STREAM arrived) is in the
	// wrong order for the sender's view: the sender's complaint could be
	// a false alarm, the receiver's never is.
	_ = serr
	if rerr != nil {
		f.errorf("%s must reject this frame: %v", []string{"client", "server"}[dir.other()], rerr)
	}
}

func (c *Conn) stream(id uint32) *streamInfo {
	si := c.streams[id]
	if si == nil {
		si = &streamInfo{}
		c.streams[id] = si
	}
	return si
}

// endStream forgets a stream once both directions ended (or it was reset).
func (c *Conn) endStream(id uint32, dir Dir, reset bool) {
	si := c.streams[id]
	if si == nil {
		return
	}
	si.ended[dir] = true
	if reset || si.ended[C2S] && si.ended[S2C] {
		delete(c.streams, id)
		delete(c.flow[C2S].streams, id)
		delete(c.flow[S2C].streams, id)
	}
}

// body decodes a frame payload by type.
func (c *Conn) body(dir Dir, h h2.FrameHeader, p []byte, f *frame, at time.Time) {
	c.frames++
	switch h.Type {
	case h2.FrameData:
		c.data(dir, h, p, f)
	case h2.FrameHeaders, h2.FramePushPromise:
		c.headers(dir, h, p, f)
	case h2.FrameContinuation:
		ds := c.dirs[dir]
		if !ds.pending || ds.blockStream != h.StreamID {
			f.errorf("CONTINUATION on stream %d with no header block in progress there", h.StreamID)
			return
		}
		ds.block = append(ds.block, p...)
		if h.Flags.Has(h2.FlagEndHeaders) {
			c.decodeBlock(dir, h.StreamID, f)
		}
	case h2.FramePriority:
		dep := binary.BigEndian.Uint32(p)
		f.note(fmt.Sprintf("depends on stream %d (exclusive %v), weight %d; RFC 9113 deprecates this scheme", dep&(1<<31-1), dep>>31 == 1, int(p[4])+1))
	case h2.FrameRSTStream:
		code := h2.ErrCode(binary.BigEndian.Uint32(p))
		f.ErrorCode = code.String()
		switch code {
		case h2.ErrCodeCancel:
			f.note("grpc-go sends CANCEL when a call is cancelled or its deadline passes")
		case h2.ErrCodeNo:
			f.note("NO_ERROR: the sender finished without reading everything; grpc-go's server does this after its trailers")
		}
		c.endStream(h.StreamID, dir, true)
	case h2.FrameSettings:
		c.settings(dir, h, p, f)
	case h2.FramePing:
		c.ping(dir, h, p, f, at)
	case h2.FrameGoAway:
		last := binary.BigEndian.Uint32(p) & (1<<31 - 1)
		code := h2.ErrCode(binary.BigEndian.Uint32(p[4:]))
		f.last = last
		f.LastStream, f.ErrorCode, f.Debug = &f.last, code.String(), string(p[8:])
		if last == 1<<31-1 {
			f.note("graceful shutdown, phase 1: \"open no new streams\", last stream 2^31-1 so nothing in flight is cut; grpc-go follows it with a PING and sends the real GOAWAY when the ACK returns")
		} else if dir == S2C {
			f.note(fmt.Sprintf("client streams above %d were not processed and can be retried on a new connection", last))
		} else {
			f.note("the client is closing the connection")
		}
	case h2.FrameWindowUpdate:
		c.windowUpdate(dir, h, p, f)
	default:
		f.note("unknown frame type: ignored, as RFC 9113 §4.1 requires")
	}
}

func unpad(h h2.FrameHeader, p []byte) ([]byte, error) {
	if !h.Flags.Has(h2.FlagPadded) {
		return p, nil
	}
	if len(p) < 1 {
		return nil, errors.New("PADDED flag but no pad length byte")
	}
	pad := int(p[0])
	if pad >= len(p) {
		return nil, fmt.Errorf("pad length %d leaves no room in a %d-byte payload (PROTOCOL_ERROR)", pad, len(p))
	}
	return p[1 : len(p)-pad], nil
}

func (c *Conn) data(dir Dir, h h2.FrameHeader, p []byte, f *frame) {
	// Flow control counts the whole payload, padding included (§6.9.1).
	fw := c.flow[dir]
	fw.conn -= int64(h.Length)
	fw.streams[h.StreamID] = fw.stream(h.StreamID) - int64(h.Length)
	f.win = window{For: dir.String(), Conn: fw.conn, Stream: fw.streams[h.StreamID]}
	f.Window = &f.win
	if fw.conn < 0 || fw.streams[h.StreamID] < 0 {
		f.errorf("FLOW_CONTROL_ERROR: %s sent more than its window allows", dir)
	}
	data, err := unpad(h, p)
	if err != nil {
		f.errorf("%v", err)
		return
	}
	si := c.stream(h.StreamID)
	if r := si.reasm[dir]; r == nil && c.d.o.Impl.NewReassembler != nil && !c.notedTODO["Reassembler"] {
		si.reasm[dir] = c.d.o.Impl.NewReassembler(c.d.o.MaxMessage)
	}
	if r := si.reasm[dir]; r != nil && len(data) > 0 {
		msgs, err := r.Write(data)
		if c.todo("Reassembler", 5, err) {
			si.reasm[dir] = nil
		} else {
			for _, m := range msgs {
				si.msgs[dir]++
				f.Messages = append(f.Messages, c.message(si, dir, m))
			}
			if err != nil {
				f.errorf("gRPC framing: %v", err)
			}
		}
	}
	if h.Flags.Has(h2.FlagEndStream) {
		if r := si.reasm[dir]; r != nil && r.Buffered() > 0 {
			f.errorf("END_STREAM inside a gRPC message: %d bytes of it are missing", r.Buffered())
		}
		c.endStream(h.StreamID, dir, false)
	}
}

func (c *Conn) message(si *streamInfo, dir Dir, m h2.Message) message {
	out := message{N: si.msgs[dir], Length: len(m.Data), Compressed: m.Compressed}
	data := m.Data
	if m.Compressed {
		enc := si.encoding[dir]
		out.Encoding = enc
		if enc != "gzip" {
			out.Error = fmt.Sprintf("compressed with %q: cannot decode", enc)
			return out
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err == nil {
			data, err = io.ReadAll(io.LimitReader(zr, int64(c.d.o.MaxMessage)+1))
		}
		if err != nil {
			out.Error = "gzip: " + err.Error()
			return out
		}
		out.Uncompressed = len(data)
	}
	start := len(c.fr.arena)
	arena, err := appendMessage(c.fr.arena, data)
	if err != nil {
		out.Error = "not a protobuf message: " + err.Error()
		return out
	}
	c.fr.arena = arena
	out.fields = [2]int{start, len(arena)}
	return out
}

func (c *Conn) headers(dir Dir, h h2.FrameHeader, p []byte, f *frame) {
	frag, err := unpad(h, p)
	if err != nil {
		f.errorf("%v", err)
		return
	}
	ds := c.dirs[dir]
	si := c.stream(h.StreamID)
	var kind string
	if h.Type == h2.FramePushPromise {
		if len(frag) < 4 {
			f.errorf("PUSH_PROMISE without a promised stream id")
			return
		}
		kind = fmt.Sprintf("push promise of stream %d", binary.BigEndian.Uint32(frag)&(1<<31-1))
		frag = frag[4:]
	} else {
		if h.Flags.Has(h2.FlagPriority) {
			if len(frag) < 5 {
				f.errorf("PRIORITY flag but only %d bytes", len(frag))
				return
			}
			frag = frag[5:]
		}
		si.headers[dir]++
		switch {
		case dir == C2S && si.headers[dir] == 1:
			kind = "request headers"
		case dir == C2S:
			kind = "request trailers"
		case si.headers[dir] == 1 && h.Flags.Has(h2.FlagEndStream):
			kind = "Trailers-Only (status without a response)"
		case si.headers[dir] == 1:
			kind = "response headers"
		default:
			kind = "trailers"
		}
		if h.Flags.Has(h2.FlagEndStream) {
			defer c.endStream(h.StreamID, dir, false)
		}
	}
	ds.block = append(ds.block[:0], frag...)
	ds.blockStream, ds.blockKind, ds.pending = h.StreamID, kind, true
	if h.Flags.Has(h2.FlagEndHeaders) {
		c.decodeBlock(dir, h.StreamID, f)
	} else {
		f.HeadersKind = kind
		f.note("header block continues in CONTINUATION frames")
	}
}

// decodeBlock runs the direction's one HPACK decoder over a whole header
// block. Every block must go through it, in order: the dynamic table is
// shared by all streams of the connection.
func (c *Conn) decodeBlock(dir Dir, id uint32, f *frame) {
	ds := c.dirs[dir]
	ds.pending = false
	f.HeadersKind = ds.blockKind
	if ds.hpackDead {
		f.note("headers not decoded: HPACK state was lost earlier")
		return
	}
	c.hdrStream, c.hdrDir = c.stream(id), dir
	_, err := ds.hdec.Write(ds.block)
	if err == nil {
		err = ds.hdec.Close()
	}
	c.hdrStream = nil
	if err != nil {
		ds.hpackDead = true
		f.errorf("COMPRESSION_ERROR: HPACK: %v; header decoding stops for %s, its dynamic table is out of step", err, dir)
	}
}

// header receives each header field the HPACK decoder emits.
func (c *Conn) header(hf hpack.HeaderField) {
	f, si := &c.fr, c.hdrStream
	if si == nil {
		return
	}
	f.Headers = append(f.Headers, header{Name: hf.Name, Value: hf.Value})
	switch hf.Name {
	case ":path":
		si.path = hf.Value
	case "grpc-encoding":
		si.encoding[c.hdrDir] = hf.Value
	case "grpc-status":
		if n, err := strconv.ParseUint(hf.Value, 10, 32); err == nil {
			f.note("grpc-status " + hf.Value + " = " + codes.Code(n).String())
		}
	}
}

func (c *Conn) settings(dir Dir, h h2.FrameHeader, p []byte, f *frame) {
	other := dir.other()
	if h.Flags.Has(h2.FlagAck) {
		if q := c.settingsSent[other]; len(q) > 0 {
			f.note(fmt.Sprintf("acknowledges SETTINGS #%d: the %s's values are in force", q[0], []string{"client", "server"}[other]))
			c.settingsSent[other] = q[1:]
		} else {
			f.errorf("SETTINGS ACK with no SETTINGS waiting for one")
		}
		return
	}
	c.settingsSent[dir] = append(c.settingsSent[dir], 0) // seq filled in by emit
	f.settingsFrame = true
	for len(p) >= 6 {
		id, v := h2.SettingID(binary.BigEndian.Uint16(p)), binary.BigEndian.Uint32(p[2:])
		p = p[6:]
		f.Settings = append(f.Settings, setting{Name: id.String(), ID: uint16(id), Value: v})
		// A SETTINGS frame describes its sender as a receiver, so each
		// value constrains what the other direction sends.
		switch id {
		case h2.SettingHeaderTableSize:
			c.dirs[other].hdec.SetAllowedMaxDynamicTableSize(v)
		case h2.SettingInitialWindowSize:
			if v > 1<<31-1 {
				f.errorf("FLOW_CONTROL_ERROR: INITIAL_WINDOW_SIZE %d above 2^31-1", v)
				continue
			}
			fw := c.flow[other]
			delta := int64(v) - fw.initial
			for s := range fw.streams {
				fw.streams[s] += delta // §6.9.2: open streams shift by the difference
			}
			fw.initial = int64(v)
		case h2.SettingMaxFrameSize:
			if v < h2.DefaultMaxFrameSize || v > h2.MaxFrameSizeLimit {
				f.errorf("PROTOCOL_ERROR: MAX_FRAME_SIZE %d outside 16384..16777215", v)
				continue
			}
			c.maxFrame[other] = v
		case h2.SettingEnablePush:
			if v > 1 {
				f.errorf("PROTOCOL_ERROR: ENABLE_PUSH %d, must be 0 or 1", v)
			}
		}
	}
}

func (c *Conn) ping(dir Dir, h h2.FrameHeader, p []byte, f *frame, at time.Time) {
	var data [8]byte
	copy(data[:], p)
	f.ping, f.hasPing = data, true
	if h.Flags.Has(h2.FlagAck) {
		if sent, ok := c.pings[dir.other()][data]; ok {
			delete(c.pings[dir.other()], data)
			rtt := at.Sub(sent.at)
			f.rtt = float64(rtt.Microseconds()) / 1000
			f.RTTms = &f.rtt
			ms := f.rtt
			f.note(fmt.Sprintf("ACK of PING #%d, round trip %.3fms", sent.seq, ms))
		} else {
			f.note("ACK of a PING this dump did not see")
		}
		return
	}
	f.pingFrame, f.pingData = true, data
	if len(c.pings[dir]) > 64 {
		clear(c.pings[dir]) // never acknowledged: don't grow without bound
	}
	c.pings[dir][data] = pingSent{at: at} // seq filled in by emit
	switch data {
	case bdpPingData:
		f.note("grpc-go's BDP-estimation PING: the round trip and the bytes received meanwhile estimate the bandwidth-delay product, which can grow the flow-control windows (up to 16 MiB)")
	case goAwayPingData:
		f.note("grpc-go's graceful-shutdown PING: its ACK proves the client saw the first GOAWAY, then the real GOAWAY follows")
	case keepalivePingID:
		f.note("all-zero data: a keepalive PING (grpc-go's keepalive sends these)")
	}
}

func (c *Conn) windowUpdate(dir Dir, h h2.FrameHeader, p []byte, f *frame) {
	inc := binary.BigEndian.Uint32(p) & (1<<31 - 1)
	f.Increment = inc
	if inc == 0 {
		f.errorf("PROTOCOL_ERROR: WINDOW_UPDATE with increment 0")
		return
	}
	// The receiver of DATA grants the sender more room: it updates the
	// other direction's windows.
	fw := c.flow[dir.other()]
	if h.StreamID == 0 {
		fw.conn += int64(inc)
	} else {
		fw.streams[h.StreamID] = fw.stream(h.StreamID) + int64(inc)
	}
	f.win = window{For: dir.other().String(), Conn: fw.conn}
	w := &f.win
	if h.StreamID != 0 {
		w.Stream = fw.streams[h.StreamID]
	}
	f.Window = w
	if fw.conn > 1<<31-1 || w.Stream > 1<<31-1 {
		f.errorf("FLOW_CONTROL_ERROR: window above 2^31-1")
	}
}

// frame is one printed frame; its JSON form is what -json prints.
type frame struct {
	Seq         int       `json:"seq"`
	Time        float64   `json:"t"`
	Conn        int       `json:"conn"`
	Dir         string    `json:"dir"`
	Type        string    `json:"type"`
	Stream      uint32    `json:"stream"`
	Length      uint32    `json:"length"`
	Flags       uint8     `json:"flags"`
	FlagNames   []string  `json:"flag_names,omitempty"`
	Settings    []setting `json:"settings,omitempty"`
	HeadersKind string    `json:"headers_kind,omitempty"`
	Headers     []header  `json:"headers,omitempty"`
	Messages    []message `json:"messages,omitempty"`
	Increment   uint32    `json:"increment,omitempty"`
	Window      *window   `json:"window,omitempty"`
	PingData    string    `json:"ping_data,omitempty"`
	RTTms       *float64  `json:"rtt_ms,omitempty"`
	ErrorCode   string    `json:"error_code,omitempty"`
	LastStream  *uint32   `json:"last_stream,omitempty"`
	Debug       string    `json:"debug_data,omitempty"`
	StateClient string    `json:"state_client,omitempty"`
	StateServer string    `json:"state_server,omitempty"`
	Notes       []string  `json:"notes,omitempty"`
	Errors      []string  `json:"errors,omitempty"`

	settingsFrame bool
	pingFrame     bool
	pingData      [8]byte
	// Kept in the frame and formatted only when printed.
	states       [4]h2.State // client before, after; server before, after
	stateChanged bool
	ping         [8]byte
	hasPing      bool
	win          window
	rtt          float64
	last         uint32
	arena        []byte // the messages' formatted fields
}

type setting struct {
	Name  string `json:"name"`
	ID    uint16 `json:"id"`
	Value uint32 `json:"value"`
}

type header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type message struct {
	N            int    `json:"n"`
	Length       int    `json:"length"`
	Compressed   bool   `json:"compressed,omitempty"`
	Encoding     string `json:"encoding,omitempty"`
	Uncompressed int    `json:"uncompressed,omitempty"`
	Fields       string `json:"fields,omitempty"`
	Error        string `json:"error,omitempty"`

	fields [2]int // Fields, as a range of the frame's arena
}

// window is what the sender "For" may still send after this frame.
type window struct {
	For    string `json:"for"`
	Conn   int64  `json:"conn"`
	Stream int64  `json:"stream,omitempty"`
}

func (f *frame) note(s string) { f.Notes = append(f.Notes, s) }
func (f *frame) errorf(format string, args ...any) {
	f.Errors = append(f.Errors, fmt.Sprintf(format, args...))
}

// ANSI colours for streams; stream 0 (the connection) stays plain.
var palette = []string{"\x1b[36m", "\x1b[33m", "\x1b[35m", "\x1b[32m", "\x1b[34m", "\x1b[31m"}

func (c *Conn) emit(at time.Time, dir Dir, f *frame) {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seq++
	f.Seq = d.seq
	f.Time = at.Sub(d.o.Start).Seconds()
	if f.settingsFrame {
		q := c.settingsSent[dir]
		q[len(q)-1] = f.Seq
	}
	if f.pingFrame {
		ps := c.pings[dir][f.pingData]
		ps.seq = f.Seq
		c.pings[dir][f.pingData] = ps
	}
	if d.o.JSON {
		if f.hasPing {
			f.PingData = hex.EncodeToString(f.ping[:])
		}
		for i := range f.Messages {
			m := &f.Messages[i]
			m.Fields = string(f.arena[m.fields[0]:m.fields[1]])
		}
		b, _ := json.Marshal(f)
		d.write(append(b, '\n'))
		return
	}
	// Text, appended to one buffer the Dumper reuses: no fmt on this path,
	// which runs for every frame of every call.
	b := d.line[:0]
	color, reset := "", ""
	if d.o.Color && f.Stream != 0 {
		color, reset = palette[int(f.Stream/2)%len(palette)], "\x1b[0m"
	}
	b = append(b, color...)
	b = append(b, '#')
	b = padRight(b, strconv.AppendInt(d.num[:0], int64(f.Seq), 10), 4)
	b = append(b, ' ')
	b = padLeft(b, strconv.AppendFloat(d.num[:0], f.Time*1000, 'f', 3, 64), 9)
	b = append(b, "ms conn "...)
	b = strconv.AppendInt(b, int64(f.Conn), 10)
	b = append(b, ' ')
	b = append(b, dir.arrow()...)
	b = append(b, " stream "...)
	b = padRight(b, strconv.AppendUint(d.num[:0], uint64(f.Stream), 10), 3)
	b = append(b, ' ')
	b = padRight(b, append(d.num[:0], f.Type...), 13)
	b = append(b, " len="...)
	b = strconv.AppendUint(b, uint64(f.Length), 10)
	if f.Type != "PREFACE" {
		b = append(b, " flags="...)
		b = appendHex(b, uint64(f.Flags), 2)
		for i, n := range f.FlagNames {
			if i == 0 {
				b = append(b, ' ')
			} else {
				b = append(b, '|')
			}
			b = append(b, n...)
		}
	}
	if f.HeadersKind != "" {
		b = append(b, "  ("...)
		b = append(b, f.HeadersKind...)
		b = append(b, ')')
	}
	b = append(b, reset...)
	b = append(b, '\n')
	const indent = "      "
	for _, s := range f.Settings {
		b = append(b, indent...)
		b = append(b, s.Name...)
		b = append(b, " = "...)
		b = strconv.AppendUint(b, uint64(s.Value), 10)
		b = append(b, '\n')
	}
	for _, h := range f.Headers {
		b = append(b, indent...)
		b = append(b, h.Name...)
		b = append(b, ": "...)
		b = append(b, h.Value...)
		b = append(b, '\n')
	}
	for _, m := range f.Messages {
		b = append(b, indent+"gRPC message "...)
		b = strconv.AppendInt(b, int64(m.N), 10)
		b = append(b, ", "...)
		b = strconv.AppendInt(b, int64(m.Length), 10)
		b = append(b, " bytes"...)
		if m.Compressed {
			b = append(b, ", compressed ("...)
			b = append(b, m.Encoding...)
			b = append(b, ')')
			if m.Uncompressed > 0 {
				b = append(b, " → "...)
				b = strconv.AppendInt(b, int64(m.Uncompressed), 10)
				b = append(b, " bytes"...)
			}
		}
		b = append(b, ": "...)
		if m.Error != "" {
			b = append(b, m.Error...)
		} else {
			b = append(b, f.arena[m.fields[0]:m.fields[1]]...)
		}
		b = append(b, '\n')
	}
	if f.hasPing {
		b = append(b, indent+"data "...)
		b = hex.AppendEncode(b, f.ping[:])
		b = append(b, '\n')
	}
	if f.ErrorCode != "" {
		b = append(b, indent...)
		if f.LastStream != nil {
			b = append(b, "last stream "...)
			b = strconv.AppendUint(b, uint64(*f.LastStream), 10)
			b = append(b, ", error "...)
			b = append(b, f.ErrorCode...)
			b = append(b, ", debug data "...)
			b = strconv.AppendQuote(b, f.Debug)
		} else {
			b = append(b, "error "...)
			b = append(b, f.ErrorCode...)
		}
		b = append(b, '\n')
	}
	if f.Type == "WINDOW_UPDATE" && f.Window != nil {
		b = append(b, indent+"increment "...)
		b = strconv.AppendUint(b, uint64(f.Increment), 10)
		b = append(b, '\n')
	}
	if w := f.Window; w != nil {
		b = append(b, indent+"window: "...)
		b = append(b, Dir(dirIndex(w.For)).arrow()...)
		b = append(b, " may send "...)
		b = strconv.AppendInt(b, w.Conn, 10)
		b = append(b, " more on the connection"...)
		if f.Type == "WINDOW_UPDATE" && f.Stream != 0 || f.Type == "DATA" {
			b = append(b, ", "...)
			b = strconv.AppendInt(b, w.Stream, 10)
			b = append(b, " on stream "...)
			b = strconv.AppendUint(b, uint64(f.Stream), 10)
		}
		b = append(b, '\n')
	}
	if f.stateChanged {
		b = append(b, indent+"state: client "...)
		b = append(b, f.states[0].String()...)
		b = append(b, " → "...)
		b = append(b, f.states[1].String()...)
		b = append(b, ", server "...)
		b = append(b, f.states[2].String()...)
		b = append(b, " → "...)
		b = append(b, f.states[3].String()...)
		b = append(b, '\n')
	}
	for _, n := range f.Notes {
		b = append(b, indent+"· "...)
		b = append(b, n...)
		b = append(b, '\n')
	}
	for _, e := range f.Errors {
		b = append(b, indent+"! "...)
		b = append(b, e...)
		b = append(b, '\n')
	}
	d.line = b
	d.write(b)
}

// padRight appends s and spaces up to width (fmt's %-*s).
func padRight(b, s []byte, width int) []byte {
	b = append(b, s...)
	for n := utf8.RuneCount(s); n < width; n++ {
		b = append(b, ' ')
	}
	return b
}

// padLeft appends spaces up to width, then s (fmt's %*s).
func padLeft(b, s []byte, width int) []byte {
	for n := utf8.RuneCount(s); n < width; n++ {
		b = append(b, ' ')
	}
	return append(b, s...)
}

func dirIndex(s string) int {
	if s == "c2s" {
		return 0
	}
	return 1
}

// event prints a line that is not a frame: a connection opening, closing,
// or a notice about the dump itself.
func (c *Conn) event(at time.Time, kind, text string, fields map[string]any) {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.o.JSON {
		m := map[string]any{"event": kind, "conn": c.id, "message": text}
		if !at.IsZero() {
			m["t"] = at.Sub(d.o.Start).Seconds()
		}
		for k, v := range fields {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		d.write(append(b, '\n'))
		return
	}
	d.write([]byte("== " + text + "\n"))
}

func (d *Dumper) write(b []byte) { _, _ = d.o.Out.Write(b) }
