package dump_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	h2demov1 "github.com/grpclabs/labs/ch02-grpc-core/gen/h2demo/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/demosvc"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/dump"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/solution"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// listen returns a loopback listener (the kernel picks the port) closed at cleanup.
func listen(t testing.TB) net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// echoServer answers every connection with its own bytes.
func echoServer(t testing.TB) string {
	l := listen(t)
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			})
		}
	})
	return l.Addr().String()
}

// startProxy runs a proxy to target; the returned channel yields each
// finished connection's id.
func startProxy(t testing.TB, p *dump.Proxy) (addr string, done <-chan int) {
	ch := make(chan int, 16)
	p.ConnDone = func(id int) { ch <- id }
	l := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { defer close(served); _ = p.Serve(ctx, l) }()
	t.Cleanup(func() { cancel(); <-served })
	return l.Addr().String(), ch
}

func wait(t testing.TB, done <-chan int) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(30 * time.Second): // a guard against a hang, generous for a busy machine
		t.Fatal("the proxy did not finish the connection within 30s")
	}
}

func newDumper(out io.Writer, asJSON bool) *dump.Dumper {
	return dump.New(dump.Options{Impl: solution.Impl(), Out: out, JSON: asJSON})
}

// roundTrip writes b through the proxy to the echo server and reads it back.
func roundTrip(t *testing.T, addr string, msgs ...[]byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, b := range msgs {
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(b))
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatalf("reading the echo back through the proxy: %v", err)
		}
		if !bytes.Equal(got, b) {
			t.Fatalf("the proxy changed the bytes: sent %d bytes, got back different ones", len(b))
		}
	}
}

func TestHTTP1IsReportedAndForwarded(t *testing.T) {
	out := &syncBuffer{}
	addr, done := startProxy(t, &dump.Proxy{Target: echoServer(t), Dumper: newDumper(out, false)})
	roundTrip(t, addr, []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1:7001\r\nUser-Agent: curl/8\r\n\r\n"))
	wait(t, done)
	for _, want := range []string{"not an HTTP/2 connection", `"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"`, `got "GET / HTTP/1.1`, "HTTP/1.x", "bytes keep flowing"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dump should say %q; got:\n%s", want, out)
		}
	}
}

func TestGarbageKeepsFlowing(t *testing.T) {
	out := &syncBuffer{}
	addr, done := startProxy(t, &dump.Proxy{Target: echoServer(t), Dumper: newDumper(out, false)})
	// A valid preface, then random bytes: many bad frames, never a crash.
	r := rand.New(rand.NewPCG(1, 2))
	junk := make([]byte, 256<<10)
	for i := range junk {
		junk[i] = byte(r.Uint32())
	}
	roundTrip(t, addr, []byte(h2.ClientPreface), junk[:1000], junk[1000:])
	wait(t, done)
	if !strings.Contains(out.String(), "does not look like HTTP/2") && !strings.Contains(out.String(), "closed after") {
		t.Errorf("dump of garbage should give up on it or close cleanly; got:\n%s", out)
	}
}

func TestMalformedFrameIsReportedAndSkipped(t *testing.T) {
	var out bytes.Buffer
	d := newDumper(&out, false)
	frame := func(length uint32, typ h2.FrameType, flags h2.Flags, id uint32, payload []byte) []byte {
		b := []byte{byte(length >> 16), byte(length >> 8), byte(length), byte(typ), byte(flags), 0, 0, 0, 0}
		binary.BigEndian.PutUint32(b[5:], id)
		return append(b, payload...)
	}
	c2s := []byte(h2.ClientPreface)
	c2s = append(c2s, frame(7, h2.FramePing, 0, 0, make([]byte, 7))...) // PING must be 8 bytes
	c2s = append(c2s, frame(0, h2.FrameSettings, 0, 0, nil)...)
	d.Replay([]dump.Chunk{{Dir: dump.C2S, Data: c2s}})
	s := out.String()
	if !strings.Contains(s, "FRAME_SIZE_ERROR") || !strings.Contains(s, "PING frame of 7 bytes") {
		t.Errorf("the bad PING should be reported with its size; got:\n%s", s)
	}
	if !strings.Contains(s, "#3") || !strings.Contains(s, "SETTINGS") {
		t.Errorf("decoding should go on after the bad frame, to the SETTINGS frame; got:\n%s", s)
	}
}

func TestDecoderFallingBehindNeverBlocksForwarding(t *testing.T) {
	out := &syncBuffer{}
	release := make(chan struct{})
	var once sync.Once
	p := &dump.Proxy{Target: echoServer(t), Dumper: newDumper(out, false), Queue: 1,
		// The decoder blocks on its first chunk until the test lets it go.
		Record: func(int, dump.Dir, []byte, time.Time) { once.Do(func() { <-release }) }}
	addr, done := startProxy(t, p)
	msgs := [][]byte{[]byte(h2.ClientPreface)}
	for i := range 8 {
		msgs = append(msgs, bytes.Repeat([]byte{byte(i)}, 100))
	}
	roundTrip(t, addr, msgs...) // completes although the decoder is stuck
	close(release)
	wait(t, done)
	if !strings.Contains(out.String(), "dump stopped: the decoder fell more than 1 chunks behind") {
		t.Errorf("the dump should say it dropped this connection; got:\n%s", out)
	}
}

func TestConnectionsAreKeptApart(t *testing.T) {
	srvLis := listen(t)
	srv := grpc.NewServer()
	h2demov1.RegisterDemoServiceServer(srv, &demosvc.Server{})
	go func() { _ = srv.Serve(srvLis) }()
	t.Cleanup(srv.Stop)
	out := &syncBuffer{}
	addr, done := startProxy(t, &dump.Proxy{Target: srvLis.Addr().String(), Dumper: newDumper(out, true)})
	const n = 3
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Error(err)
				return
			}
			defer cc.Close()
			if _, err := h2demov1.NewDemoServiceClient(cc).Echo(t.Context(), &h2demov1.EchoRequest{Name: "x", Age: int32(i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for range n {
		wait(t, done)
	}
	prefaces := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if strings.Contains(l, `"type":"PREFACE"`) {
			i := strings.Index(l, `"conn":`)
			prefaces[l[i:i+8]]++
		}
		if strings.Contains(l, `"errors"`) {
			t.Errorf("unexpected error in %s", l)
		}
	}
	if len(prefaces) != n {
		t.Errorf("%d connections should each have their own preface under their own id; got %v", n, prefaces)
	}
}

func TestUnreachableTarget(t *testing.T) {
	dead := listen(t)
	target := dead.Addr().String()
	dead.Close() // nothing listens there now
	out := &syncBuffer{}
	addr, _ := startProxy(t, &dump.Proxy{Target: target, Dumper: newDumper(out, false)})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("the proxy should close the client's connection when the target is down")
	}
	if !strings.Contains(out.String(), "cannot reach "+target) {
		t.Errorf("dump should say the target is unreachable; got:\n%s", out)
	}
}

// unaryTargets starts a DemoService and two proxies in front of it, and
// returns a connected client for each way to reach it: direct, through
// the proxy forwarding only, and through the proxy with the full dump (as
// cmd/h2dump runs it: text through a buffered Output, here to io.Discard).
func unaryTargets(b *testing.B) (names []string, clients []h2demov1.DemoServiceClient) {
	srvLis := listen(b)
	srv := grpc.NewServer()
	h2demov1.RegisterDemoServiceServer(srv, &demosvc.Server{})
	go func() { _ = srv.Serve(srvLis) }()
	b.Cleanup(srv.Stop)
	d := dump.New(dump.Options{Impl: solution.Impl(), Out: io.Discard, Buffer: dump.DefaultOutputBuffer})
	b.Cleanup(func() { d.Close(context.Background()) })
	dumpAddr, _ := startProxy(b, &dump.Proxy{Target: srvLis.Addr().String(), Dumper: d})
	plainAddr, _ := startProxy(b, &dump.Proxy{Target: srvLis.Addr().String()})
	copyAddr := startCopyProxy(b, srvLis.Addr().String())
	req := &h2demov1.EchoRequest{Name: "Grace Hopper", Age: 85}
	for _, t := range []struct{ name, addr string }{
		{"direct", srvLis.Addr().String()},
		{"io.Copy", copyAddr},       // the least any proxy can cost: two io.Copy, nothing else
		{"forward-only", plainAddr}, // the extra hop without the dump
		{"dump", dumpAddr},          // the extra hop and the full dump
	} {
		cc, err := grpc.NewClient(t.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { cc.Close() })
		c := h2demov1.NewDemoServiceClient(cc)
		if _, err := c.Echo(b.Context(), req); err != nil { // connect outside the timing
			b.Fatal(err)
		}
		names, clients = append(names, t.name), append(clients, c)
	}
	return names, clients
}

// startCopyProxy is the smallest TCP proxy there is, one io.Copy each
// way: the floor for what an extra hop costs, next to which Proxy's own
// cost can be read.
func startCopyProxy(b *testing.B, target string) string {
	l := listen(b)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, s)
			mu.Unlock()
			wg.Go(func() { _, _ = io.Copy(s, c); s.Close() })
			wg.Go(func() { _, _ = io.Copy(c, s); c.Close() })
		}
	})
	b.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().String()
}

// BenchmarkUnary measures one Echo call direct and through the proxy, one
// sub-benchmark after the other: ns/op and allocs/op for each.
func BenchmarkUnary(b *testing.B) {
	names, clients := unaryTargets(b)
	req := &h2demov1.EchoRequest{Name: "Grace Hopper", Age: 85}
	for i, name := range names {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := clients[i].Echo(b.Context(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUnaryRatio is what the README quotes. Each iteration makes a
// run of back-to-back calls on one path (as one caller does), and the runs
// rotate over the paths, so all of them see the same machine: on a
// shared machine, load that changes between sub-benchmarks would change
// their ratio. It reports the median call time of each path and the ratio
// of each median to direct's.
func BenchmarkUnaryRatio(b *testing.B) {
	const run = 16 // calls per run on one path
	names, clients := unaryTargets(b)
	req := &h2demov1.EchoRequest{Name: "Grace Hopper", Age: 85}
	took := make([][]time.Duration, len(clients))
	n := 0
	for b.Loop() {
		i := n % len(clients)
		for range run {
			start := time.Now()
			if _, err := clients[i].Echo(b.Context(), req); err != nil {
				b.Fatal(err)
			}
			took[i] = append(took[i], time.Since(start))
		}
		n++
	}
	if n < len(clients) {
		return // the first, one-iteration round: not every path ran
	}
	median := func(ds []time.Duration) float64 {
		slices.Sort(ds)
		return float64(ds[len(ds)/2].Nanoseconds())
	}
	direct := median(took[0])
	for i, name := range names {
		m := median(took[i])
		b.ReportMetric(m/1e3, "µs-p50-"+name)
		if i > 0 {
			b.ReportMetric(m/direct, "x-"+name)
		}
	}
	b.ReportMetric(0, "ns/op") // a run of calls per op: the medians say more
}

// TestFramerBuiltConnection decodes frames written by x/net/http2's Framer
// that grpc-go's recordings lack: a header block split over CONTINUATION,
// a smaller HPACK table, padded DATA, a message split across frames.
func TestFramerBuiltConnection(t *testing.T) {
	var c2s, s2c bytes.Buffer
	c2s.WriteString(h2.ClientPreface)
	cf, sf := http2.NewFramer(&c2s, nil), http2.NewFramer(&s2c, nil)
	_ = cf.WriteSettings()
	_ = sf.WriteSettings(http2.Setting{ID: http2.SettingHeaderTableSize, Val: 256})
	_ = cf.WriteSettingsAck()
	_ = sf.WriteSettingsAck()

	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	enc.SetMaxDynamicTableSizeLimit(256) // the server allowed 256 bytes
	for _, f := range []hpack.HeaderField{{Name: ":method", Value: "POST"}, {Name: ":path", Value: "/x.v1.S/M"},
		{Name: "content-type", Value: "application/grpc"}, {Name: "x-long", Value: strings.Repeat("v", 60)}} {
		_ = enc.WriteField(f)
	}
	block := hb.Bytes()
	_ = cf.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block[:10]})
	_ = cf.WriteContinuation(1, false, block[10:20])
	_ = cf.WriteContinuation(1, true, block[20:])

	msg := []byte{0, 0, 0, 0, 16, 0x0a, 0x0c, 'G', 'r', 'a', 'c', 'e', ' ', 'H', 'o', 'p', 'p', 'e', 'r', 0x10, 0x55}
	_ = cf.WriteDataPadded(1, false, msg[:7], []byte{0, 0, 0})
	_ = cf.WriteData(1, true, msg[7:])

	var out bytes.Buffer
	d := dump.New(dump.Options{Impl: solution.Impl(), Out: &out, JSON: true})
	b := c2s.Bytes() // the preface split over two reads, then the client's SETTINGS
	d.Replay([]dump.Chunk{{Dir: dump.C2S, Data: b[:10]}, {Dir: dump.C2S, Data: b[10:33]}, {Dir: dump.S2C, Data: s2c.Bytes()}, {Dir: dump.C2S, Data: b[33:]}})
	got := out.String()
	for _, want := range []string{`"name":"HEADER_TABLE_SIZE","id":1,"value":256`, `"type":"CONTINUATION"`,
		`{"name":"x-long","value":"` + strings.Repeat("v", 60) + `"}`, `"headers_kind":"request headers"`,
		`"fields":"{1: \"Grace Hopper\", 2: 85}"`, `"state_client":"half-closed (local)"`} {
		if !strings.Contains(got, want) {
			t.Errorf("dump lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, `"errors"`) {
		t.Errorf("a valid connection gave errors:\n%s", got)
	}
}

// stuckWriter blocks every Write until released, like a FIFO nobody reads
// or a paused pager.
type stuckWriter struct {
	release chan struct{}
	syncBuffer
}

func (w *stuckWriter) Write(p []byte) (int, error) {
	<-w.release
	return w.syncBuffer.Write(p)
}

// TestOutputNeverBlocks: a writer that stops reading costs dropped
// records, counted and reported once it reads again; Write never waits.
func TestOutputNeverBlocks(t *testing.T) {
	w := &stuckWriter{release: make(chan struct{})}
	o := dump.NewOutput(w, 100, func(n int64) []byte { return fmt.Appendf(nil, "dropped %d\n", n) })
	for i := range 50 {
		o.Write(fmt.Appendf(nil, "record %02d\n", i)) // returns although w is stuck
	}
	// At most two buffers are held: the one stuck in the writer and the
	// pending one, 100 bytes each.
	if got := o.Dropped(); got < 30 {
		t.Errorf("Dropped = %d after 50 records of 10 bytes into 100 (one more buffer in flight); want at least 30", got)
	}
	close(w.release)
	if err := o.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	out := w.String()
	kept, noticed := 0, int64(0)
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var n int64
		if _, err := fmt.Sscanf(line, "dropped %d", &n); err == nil {
			noticed += n
		} else {
			kept++
		}
	}
	if !strings.HasPrefix(out, "record 00\n") || noticed != o.Dropped() || kept+int(noticed) != 50 {
		t.Errorf("output %q: want the first records, and notices that add up to the %d dropped (%d kept + %d noticed, want 50)", out, o.Dropped(), kept, noticed)
	}
	o.Write([]byte("after close\n"))
	if strings.Contains(w.String(), "after close") {
		t.Error("a record written after Close was printed")
	}
}

// TestOutputCloseGivesUp: Close waits for a stuck reader only as long as
// its context allows.
func TestOutputCloseGivesUp(t *testing.T) {
	w := &stuckWriter{release: make(chan struct{})}
	defer close(w.release)
	o := dump.NewOutput(w, 0, nil)
	o.Write([]byte("x\n"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := o.Close(ctx); err == nil {
		t.Error("Close with a stuck reader and a done context returned nil, want the context's error")
	}
}

// TestStuckOutputDoesNotStallConnections: with the dump's reader stuck, new
// connections are still accepted and forwarded, and the dump says what it
// lost once the reader is back.
func TestStuckOutputDoesNotStallConnections(t *testing.T) {
	w := &stuckWriter{release: make(chan struct{})}
	d := dump.New(dump.Options{Impl: solution.Impl(), Out: w, Buffer: 512})
	addr, done := startProxy(t, &dump.Proxy{Target: echoServer(t), Dumper: d})
	for range 3 { // each connection's dump is more than the buffer holds
		roundTrip(t, addr, []byte(h2.ClientPreface), bytes.Repeat([]byte{0, 0, 0, 4, 0, 0, 0, 0, 0}, 20))
		wait(t, done)
	}
	close(w.release)
	dropped, err := d.Close(t.Context())
	if err != nil || dropped == 0 {
		t.Fatalf("Close = %d dropped, %v; want some records dropped", dropped, err)
	}
	if want := fmt.Sprintf("%d records dropped here", dropped); !strings.Contains(w.String(), want) {
		t.Errorf("the dump should say %q once its reader is back; got:\n%s", want, w.String())
	}
}

// TestServerResetReachesClient: a server that resets its connection makes
// the proxy reset the client's, and the dump says so (not a clean close).
func TestServerResetReachesClient(t *testing.T) {
	l := listen(t)
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	wg.Go(func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		buf := make([]byte, len(h2.ClientPreface))
		io.ReadFull(c, buf)
		c.(*net.TCPConn).SetLinger(0) // close with RST
		c.Close()
	})
	out := &syncBuffer{}
	addr, done := startProxy(t, &dump.Proxy{Target: l.Addr().String(), Dumper: newDumper(out, false)})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(h2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	_, err = c.Read(make([]byte, 1))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("the client read %v after the server reset; want ECONNRESET passed on, not a clean close", err)
	}
	wait(t, done)
	if !strings.Contains(out.String(), "the server's side failed") || !strings.Contains(out.String(), "reset the client's connection") {
		t.Errorf("the closing summary should say the server reset the connection; got:\n%s", out)
	}
}

// TestClosingSummary: the count includes frames with bad headers, and a
// frame the connection ended in the middle of is named.
func TestClosingSummary(t *testing.T) {
	frame := func(length uint32, typ h2.FrameType, id uint32, payload []byte) []byte {
		b := []byte{byte(length >> 16), byte(length >> 8), byte(length), byte(typ), 0, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(b[5:], id)
		return append(b, payload...)
	}
	c2s := []byte(h2.ClientPreface)
	c2s = append(c2s, frame(0, h2.FrameSettings, 0, nil)...)
	c2s = append(c2s, frame(7, h2.FramePing, 0, make([]byte, 7))...) // a bad header: PING must be 8 bytes
	c2s = append(c2s, frame(100, h2.FrameData, 1, make([]byte, 40))...)
	var out bytes.Buffer
	newDumper(&out, false).Replay([]dump.Chunk{{Dir: dump.C2S, Data: c2s}, {Dir: dump.S2C, Data: []byte{0, 0, 0, 4}}})
	s := out.String()
	for _, want := range []string{
		"closed after 2 frames", // SETTINGS and the bad PING; the DATA never completed
		"c2s: the last frame is cut short: DATA on stream 1 announced 100 payload bytes, 40 arrived",
		"s2c: the last frame is cut short: 4 of its 9 header bytes arrived",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the dump should say %q; got:\n%s", want, s)
		}
	}
}
