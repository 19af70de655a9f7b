package h2dumptest

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	h2demov1 "github.com/grpclabs/labs/ch02-grpc-core/gen/h2demo/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/demosvc"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/dump"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2"
	"github.com/grpclabs/labs/scripts/labkit"
)

// requireStep stops a test at once, with one TODO message, when the piece
// of step n is not written yet (instead of one failure per subtest).
func requireStep(t *testing.T, impl dump.Impl, n int) {
	t.Helper()
	switch n {
	case 1:
		_, err := impl.ParseFrameHeader(rawHeader(0, h2.FrameSettings, 0, 0))
		step1.Require(t, err)
	case 2:
		step2.Require(t, impl.CheckFrameHeader(h2.FrameHeader{Type: h2.FrameSettings}, h2.DefaultMaxFrameSize))
	case 3:
		_, err := impl.FlagNames(h2.FrameData, 0)
		step3.Require(t, err)
	case 4:
		_, err := impl.NewEndpoint(true).Send(h2.FrameHeader{Type: h2.FrameHeaders, Flags: h2.FlagEndHeaders, StreamID: 1})
		step4.Require(t, err)
		_, err = impl.NewEndpoint(false).Recv(h2.FrameHeader{Type: h2.FrameHeaders, Flags: h2.FlagEndHeaders, StreamID: 1})
		step4.Require(t, err)
	case 5:
		_, err := impl.NewReassembler(10).Write([]byte{0})
		step5.Require(t, err)
	}
}

// requireAll stops a test that needs every piece at the first missing one.
func requireAll(t *testing.T, impl dump.Impl) {
	t.Helper()
	for n := 1; n <= 5; n++ {
		requireStep(t, impl, n)
	}
}

// syncBuffer collects the dump; the proxy writes from its decoders.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("dump line %q is not JSON: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// proxied is a DemoService behind the proxy; client connections go through it.
type proxied struct {
	out      *syncBuffer
	connDone chan int
	dial     func(t *testing.T) h2demov1.DemoServiceClient
	accepted *atomic.Int32
	conns    []*grpc.ClientConn
}

// serveProxied starts the server, the proxy and a way to dial the proxy,
// over tr. Cleanups close clients, then the proxy, then the server.
func serveProxied(t *testing.T, tr labkit.Transport, impl dump.Impl, svc *demosvc.Server) *proxied {
	t.Helper()
	listen := func() (net.Listener, func(context.Context, string, string) (net.Conn, error), string) {
		if tr == labkit.Bufconn {
			bl := bufconn.Listen(1 << 20)
			return bl, func(ctx context.Context, _, _ string) (net.Conn, error) { return bl.DialContext(ctx) }, "passthrough:///bufnet"
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var d net.Dialer
		return l, d.DialContext, l.Addr().String()
	}
	srvLis, srvDial, srvAddr := listen()
	counting := &countingListener{Listener: srvLis}
	srv := grpc.NewServer()
	h2demov1.RegisterDemoServiceServer(srv, svc)
	srvDone := make(chan struct{})
	go func() { defer close(srvDone); _ = srv.Serve(counting) }()
	t.Cleanup(func() { srv.Stop(); <-srvDone })

	p := &proxied{out: &syncBuffer{}, connDone: make(chan int, 64), accepted: &counting.n}
	pLis, pDial, pAddr := listen()
	px := &dump.Proxy{Target: srvAddr, Dial: srvDial, Dumper: dump.New(dump.Options{Impl: impl, Out: p.out, JSON: true}),
		ConnDone: func(id int) { p.connDone <- id }}
	ctx, cancel := context.WithCancel(context.Background())
	pDone := make(chan struct{})
	go func() { defer close(pDone); _ = px.Serve(ctx, pLis) }()
	t.Cleanup(func() { cancel(); <-pDone })
	t.Cleanup(func() {
		for _, c := range p.conns {
			c.Close()
		}
	})
	p.dial = func(t *testing.T) h2demov1.DemoServiceClient {
		cc, err := grpc.NewClient(pAddr, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) {
			return pDial(ctx, "tcp", a)
		}))
		if err != nil {
			t.Fatal(err)
		}
		p.conns = append(p.conns, cc)
		return h2demov1.NewDemoServiceClient(cc)
	}
	return p
}

// finish closes the clients and waits until the proxy decoded everything.
func (p *proxied) finish(t *testing.T) []map[string]any {
	t.Helper()
	for _, c := range p.conns {
		c.Close()
	}
	for range p.conns {
		select {
		case <-p.connDone:
		case <-time.After(10 * time.Second): // a guard against a hang, not synchronisation
			t.Fatal("the proxy did not finish the connection within 10s after the client closed it")
		}
	}
	p.conns = nil
	return p.out.lines(t)
}

type countingListener struct {
	net.Listener
	n atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }
func num(m map[string]any, k string) int    { f, _ := m[k].(float64); return int(f) }

// Type assertions in this file use the two-value form: a wrong dump must
// fail a test, never panic the test binary.

func flagsOf(m map[string]any) string {
	var names []string
	list, _ := m["flag_names"].([]any)
	for _, n := range list {
		names = append(names, n.(string))
	}
	return strings.Join(names, "|")
}

// TestLiveDump: step 6, a real call through the proxy works unchanged and
// the dump shows the whole exchange, decoded.
func TestLiveDump(t *testing.T, impl dump.Impl) {
	requireAll(t, impl)
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		p := serveProxied(t, tr, impl, &demosvc.Server{})
		client := p.dial(t)
		resp, err := client.Echo(t.Context(), &h2demov1.EchoRequest{Name: "Grace Hopper", Age: 85})
		if err != nil {
			t.Fatalf("Echo through the proxy: %v; the proxy must forward bytes untouched", err)
		}
		if want := (&h2demov1.EchoResponse{Greeting: "Hello, Grace Hopper", Age: 85}); !proto.Equal(resp, want) {
			t.Fatalf("Echo through the proxy = %v, want %v", resp, want)
		}
		lines := p.finish(t)

		var frames []map[string]any
		for _, l := range lines {
			if l["event"] == nil {
				frames = append(frames, l)
			}
			errs, _ := l["errors"].([]any)
			for _, e := range errs {
				t.Errorf("frame #%d %s %s: unexpected error %v", num(l, "seq"), str(l, "dir"), str(l, "type"), e)
			}
			if l["event"] != nil && l["event"] != "open" && l["event"] != "close" {
				t.Errorf("unexpected notice: %v", l["message"])
			}
		}
		first := map[string]map[string]any{}
		for _, f := range frames {
			if first[str(f, "dir")] == nil {
				first[str(f, "dir")] = f
			}
		}
		if f := first["c2s"]; f == nil || str(f, "type") != "PREFACE" {
			t.Fatalf("the client's first bytes should be the preface, got %v", f)
		}
		if f := first["s2c"]; f == nil || str(f, "type") != "SETTINGS" || num(f, "flags") != 0 {
			t.Fatalf("the server's first frame should be SETTINGS (its preface), got %v", f)
		}
		// Each side's SETTINGS is acknowledged by the other.
		for _, dir := range []string{"c2s", "s2c"} {
			var settings, acks int
			for _, f := range frames {
				if str(f, "type") == "SETTINGS" && str(f, "dir") == dir && num(f, "flags") == 0 {
					settings++
				}
				if str(f, "type") == "SETTINGS" && str(f, "dir") != dir && num(f, "flags") == 1 {
					acks++
				}
			}
			if settings == 0 || acks != settings {
				t.Errorf("%s sent %d SETTINGS frames and got %d ACKs; want at least one, each acknowledged", dir, settings, acks)
			}
		}
		// Stream 1, in order: the whole unary call.
		want := []struct{ dir, typ, flags, kind, contains string }{
			{"c2s", "HEADERS", "END_HEADERS", "request headers", "/h2demo.v1.DemoService/Echo"},
			{"c2s", "DATA", "END_STREAM", "", `{1: "Grace Hopper", 2: 85}`},
			{"s2c", "HEADERS", "END_HEADERS", "response headers", "application/grpc"},
			{"s2c", "DATA", "", "", `{1: "Hello, Grace Hopper", 2: 85}`},
			{"s2c", "HEADERS", "END_STREAM|END_HEADERS", "trailers", `"grpc-status","value":"0"`},
		}
		var got []map[string]any
		for _, f := range frames {
			if num(f, "stream") == 1 {
				got = append(got, f)
			}
		}
		if len(got) < len(want) {
			t.Fatalf("stream 1 has %d frames, want at least %d: %v", len(got), len(want), got)
		}
		i := 0
		for _, f := range got {
			if i == len(want) {
				break
			}
			w := want[i]
			if str(f, "dir") != w.dir || str(f, "type") != w.typ {
				continue // e.g. a WINDOW_UPDATE between them
			}
			b, _ := json.Marshal(f)
			text := string(b)
			if msgs, _ := f["messages"].([]any); len(msgs) == 1 {
				m, _ := msgs[0].(map[string]any)
				text = str(m, "fields") // the decoded message, unescaped
			}
			if flagsOf(f) != w.flags || str(f, "headers_kind") != w.kind || !strings.Contains(text, w.contains) {
				t.Errorf("stream 1 step %d: got %s\nwant %s %s flags %s (%s) containing %s", i+1, b, w.dir, w.typ, w.flags, w.kind, w.contains)
			}
			i++
		}
		if i != len(want) {
			t.Errorf("stream 1: found only the first %d of the %d expected frames in order", i, len(want))
		}
		if last := got[len(got)-1]; str(last, "state_client") != "closed" || str(last, "state_server") != "closed" {
			t.Errorf("after the trailers the stream should be closed on both sides; last frame says client %q, server %q", str(last, "state_client"), str(last, "state_server"))
		}
	})
}

// TestMultiplexing: step 6, concurrent calls share one connection, on
// streams 1, 3, 5, ..., with their frames interleaved.
func TestMultiplexing(t *testing.T, impl dump.Impl) {
	requireAll(t, impl)
	const n = 6
	var arrived atomic.Int32
	all := make(chan struct{})
	svc := &demosvc.Server{BeforeReply: func(ctx context.Context) error {
		// Hold every call until all n arrived: every request is on the
		// wire before any response, so the interleaving is certain.
		if arrived.Add(1) == n {
			close(all)
		}
		select {
		case <-all:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	p := serveProxied(t, labkit.Loopback, impl, svc)
	client := p.dial(t)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := client.Echo(t.Context(), &h2demov1.EchoRequest{Name: "caller", Age: int32(i)}); err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	lines := p.finish(t)
	if got := p.accepted.Load(); got != 1 {
		t.Errorf("the server accepted %d TCP connections for %d concurrent calls; HTTP/2 multiplexes them on 1", got, n)
	}
	requests, responses := map[int]int{}, map[int]int{}
	for _, l := range lines {
		if num(l, "conn") != 1 {
			t.Errorf("frame on conn %d; all calls should share conn 1", num(l, "conn"))
		}
		switch str(l, "headers_kind") {
		case "request headers":
			requests[num(l, "stream")] = num(l, "seq")
		case "response headers":
			responses[num(l, "stream")] = num(l, "seq")
		}
	}
	for i := range n {
		id := 2*i + 1
		if requests[id] == 0 || responses[id] == 0 {
			t.Errorf("stream %d: request at #%d, response at #%d; want calls on streams 1, 3, ..., %d", id, requests[id], responses[id], 2*n-1)
		}
	}
	if len(requests) != n {
		t.Errorf("%d streams carried requests, want %d: %v", len(requests), n, requests)
	}
	for id, req := range requests {
		for other, resp := range responses {
			if other != id && resp < req {
				t.Errorf("stream %d's response (#%d) came before stream %d's request (#%d); the server held all replies until all requests arrived", other, resp, id, req)
			}
		}
	}
}
