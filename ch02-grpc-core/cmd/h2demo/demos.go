package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"

	h2demov1 "github.com/grpclabs/labs/ch02-grpc-core/gen/h2demo/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/demosvc"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/dump"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/solution"
	"github.com/grpclabs/labs/scripts/demo"
)

func pickImpl(name string) (dump.Impl, error) {
	return demo.Pick(name, solution.Impl(), exercise.Impl())
}

type env struct {
	out  io.Writer
	impl dump.Impl
}

// stack is a server, the proxy in front of it and its dumper.
type stack struct {
	srv       *grpc.Server
	srvLis    *countingListener
	proxyAddr string
	stopProxy context.CancelFunc
	proxyDone chan struct{}
	connDone  chan int
	srvDone   chan struct{}
}

func start(ctx context.Context, svc *demosvc.Server, p *dump.Proxy, srvOpts ...grpc.ServerOption) (*stack, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &stack{srv: grpc.NewServer(srvOpts...), srvLis: &countingListener{Listener: l},
		connDone: make(chan int, 16), srvDone: make(chan struct{}), proxyDone: make(chan struct{})}
	h2demov1.RegisterDemoServiceServer(s.srv, svc)
	go func() { defer close(s.srvDone); _ = s.srv.Serve(s.srvLis) }()
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.srv.Stop()
		return nil, err
	}
	s.proxyAddr = pl.Addr().String()
	p.Target = l.Addr().String()
	p.ConnDone = func(id int) { s.connDone <- id }
	pctx, cancel := context.WithCancel(ctx)
	s.stopProxy = cancel
	go func() { defer close(s.proxyDone); _ = p.Serve(pctx, pl) }()
	return s, nil
}

func (s *stack) dial(opts ...grpc.DialOption) (*grpc.ClientConn, h2demov1.DemoServiceClient, error) {
	cc, err := grpc.NewClient(s.proxyAddr, append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)...)
	if err != nil {
		return nil, nil, err
	}
	return cc, h2demov1.NewDemoServiceClient(cc), nil
}

func (s *stack) stop() {
	s.srv.Stop()
	<-s.srvDone
	s.stopProxy()
	<-s.proxyDone
}

// waitConn waits until the proxy's decoder finished a connection.
func (s *stack) waitConn(ctx context.Context) error {
	select {
	case <-s.connDone:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(30 * time.Second): // a guard against a hang, generous for a busy machine
		return errors.New("the proxied connection did not close within 30s")
	}
}

func (e *env) dumper(w io.Writer, asJSON bool) *dump.Dumper {
	return dump.New(dump.Options{Impl: e.impl, Out: w, JSON: asJSON})
}

// unary: one call, then a graceful server shutdown, every frame printed.
func (e *env) unary(ctx context.Context) error {
	s, err := start(ctx, &demosvc.Server{}, &dump.Proxy{Dumper: e.dumper(e.out, false)})
	if err != nil {
		return err
	}
	defer s.stop()
	cc, client, err := s.dial()
	if err != nil {
		return err
	}
	defer cc.Close()
	resp, err := client.Echo(ctx, &h2demov1.EchoRequest{Name: "Grace Hopper", Age: 85})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "-- client got %q; now the server stops gracefully (GracefulStop)\n", resp.GetGreeting())
	s.srv.GracefulStop()
	return s.waitConn(ctx)
}

// barrier holds n calls until all n arrived, so their frames interleave.
func barrier(n int) func(ctx context.Context) error {
	var arrived atomic.Int32
	all := make(chan struct{})
	return func(ctx context.Context) error {
		if int(arrived.Add(1)) == n {
			close(all)
		}
		select {
		case <-all:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func concurrentEcho(ctx context.Context, client h2demov1.DemoServiceClient, n int) error {
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := client.Echo(ctx, &h2demov1.EchoRequest{Name: fmt.Sprintf("caller %d", i), Age: int32(i)})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// multiplex: n concurrent calls on one connection.
func (e *env) multiplex(ctx context.Context, n int) error {
	s, err := start(ctx, &demosvc.Server{BeforeReply: barrier(n)}, &dump.Proxy{Dumper: e.dumper(e.out, false)})
	if err != nil {
		return err
	}
	defer s.stop()
	cc, client, err := s.dial()
	if err != nil {
		return err
	}
	if err := concurrentEcho(ctx, client, n); err != nil {
		cc.Close()
		return err
	}
	cc.Close()
	if err := s.waitConn(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "-- %d calls, %d TCP connection(s) accepted by the server\n", n, s.srvLis.count.Load())
	return nil
}

// flow: a 1 MiB message, then a slow reader with and without grpc-go's BDP window.
func (e *env) flow(ctx context.Context) error {
	run := func(title string, opts []grpc.DialOption, call func(h2demov1.DemoServiceClient) error) error {
		fmt.Fprintf(e.out, "\n== %s\n", title)
		c := &condenser{w: e.out}
		s, err := start(ctx, &demosvc.Server{}, &dump.Proxy{Dumper: e.dumper(c, true)})
		if err != nil {
			return err
		}
		defer s.stop()
		cc, client, err := s.dial(opts...)
		if err != nil {
			return err
		}
		err = call(client)
		cc.Close()
		if err != nil {
			return err
		}
		if err := s.waitConn(ctx); err != nil {
			return err
		}
		c.flush()
		return nil
	}
	big := func(client h2demov1.DemoServiceClient) error {
		_, err := client.Echo(ctx, &h2demov1.EchoRequest{Name: "big", Payload: bytes.Repeat([]byte{'x'}, 1<<20)})
		return err
	}
	slow := func(client h2demov1.DemoServiceClient) error {
		st, err := client.Download(ctx, &h2demov1.DownloadRequest{Size: 512 << 10, ChunkSize: 16 << 10})
		if err != nil {
			return err
		}
		for {
			_, err := st.Recv()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			time.Sleep(20 * time.Millisecond) // a slow consumer (demo only)
		}
	}
	static := []grpc.DialOption{grpc.WithInitialWindowSize(65535), grpc.WithInitialConnWindowSize(65535)}
	if err := run("a 1 MiB request and response, grpc-go defaults (BDP estimation on)", nil, big); err != nil {
		return err
	}
	if err := run("a slow reader, 512 KiB in 16 KiB messages, client windows fixed at 65535 (BDP off)", static, slow); err != nil {
		return err
	}
	return run("the same slow reader with grpc-go defaults (BDP on)", nil, slow)
}

// condenser turns the JSON dump into one line per frame, with runs of DATA
// frames on one stream folded into one line.
type condenser struct {
	w   io.Writer
	mu  sync.Mutex
	run *runInfo
}

type runInfo struct {
	first, last   frameJSON
	frames, bytes int
}

type frameJSON struct {
	Seq       int      `json:"seq"`
	T         float64  `json:"t"`
	Event     string   `json:"event"`
	Message   string   `json:"message"`
	Dir       string   `json:"dir"`
	Type      string   `json:"type"`
	Stream    uint32   `json:"stream"`
	Length    int      `json:"length"`
	FlagNames []string `json:"flag_names"`
	Increment uint32   `json:"increment"`
	Window    *struct {
		For    string `json:"for"`
		Conn   int64  `json:"conn"`
		Stream int64  `json:"stream"`
	} `json:"window"`
	Settings []struct {
		Name  string `json:"name"`
		Value uint32 `json:"value"`
	} `json:"settings"`
	PingData string   `json:"ping_data"`
	Notes    []string `json:"notes"`
}

func (c *condenser) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var f frameJSON
	if err := json.Unmarshal(b, &f); err != nil {
		return 0, err
	}
	if f.Event != "" {
		c.flushLocked()
		fmt.Fprintf(c.w, "   %s\n", f.Message)
		return len(b), nil
	}
	if f.Type == "DATA" {
		if c.run != nil && (c.run.first.Dir != f.Dir || c.run.first.Stream != f.Stream) {
			c.flushLocked()
		}
		if c.run == nil {
			c.run = &runInfo{first: f}
		}
		c.run.last, c.run.frames, c.run.bytes = f, c.run.frames+1, c.run.bytes+f.Length
		return len(b), nil
	}
	c.flushLocked()
	line := fmt.Sprintf("#%-5d %8.3fms %s stream %d %s", f.Seq, f.T*1000, arrow(f.Dir), f.Stream, f.Type)
	if len(f.FlagNames) > 0 {
		line += " " + strings.Join(f.FlagNames, "|")
	}
	for _, s := range f.Settings {
		line += fmt.Sprintf(" %s=%d", s.Name, s.Value)
	}
	if f.Type == "WINDOW_UPDATE" {
		line += fmt.Sprintf(" +%d", f.Increment)
		if w := f.Window; w != nil {
			if f.Stream == 0 {
				line += fmt.Sprintf("  → %s window: conn %d", arrow(w.For), w.Conn)
			} else {
				line += fmt.Sprintf("  → %s window: stream %d", arrow(w.For), w.Stream)
			}
		}
	}
	if f.Type == "PING" {
		line += " " + f.PingData
		for _, n := range f.Notes {
			if strings.HasPrefix(n, "grpc-go's BDP") {
				line += " (BDP ping)"
			}
			if strings.HasPrefix(n, "ACK of PING") {
				line += " (" + n + ")"
			}
		}
	}
	fmt.Fprintln(c.w, line)
	return len(b), nil
}

func (c *condenser) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flushLocked()
}

func (c *condenser) flushLocked() {
	r := c.run
	if r == nil {
		return
	}
	c.run = nil
	line := fmt.Sprintf("#%-5d %8.3fms %s stream %d DATA ×%d, %d bytes", r.first.Seq, r.first.T*1000, arrow(r.first.Dir), r.first.Stream, r.frames, r.bytes)
	if w := r.last.Window; w != nil {
		line += fmt.Sprintf("  → %s window left: conn %d, stream %d", arrow(w.For), w.Conn, w.Stream)
	}
	if len(r.last.FlagNames) > 0 {
		line += " (last: " + strings.Join(r.last.FlagNames, "|") + ")"
	}
	fmt.Fprintln(c.w, line)
}

func arrow(dir string) string {
	if dir == "c2s" {
		return "c→s"
	}
	return "s→c"
}

// countingListener counts the TCP connections a server accepts.
type countingListener struct {
	net.Listener
	count atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.count.Add(1)
	}
	return c, err
}

// http1: the same n concurrent requests over HTTP/1.1 and over gRPC (HTTP/2).
func (e *env) http1(ctx context.Context, n int) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	cl := &countingListener{Listener: l}
	wait := barrier(n)
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := wait(r.Context()); err != nil {
			return
		}
		fmt.Fprintf(w, "hello over %s\n", r.Proto)
	})}
	go func() { _ = hs.Serve(cl) }()
	defer hs.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	var proto atomic.Value
	for range n {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+l.Addr().String()+"/", nil)
			resp, err := hc.Do(req)
			if err != nil {
				errs <- err
				return
			}
			proto.Store(resp.Proto)
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	h1 := cl.count.Load()

	s, err := start(ctx, &demosvc.Server{BeforeReply: barrier(n)}, &dump.Proxy{Dumper: e.dumper(io.Discard, false)})
	if err != nil {
		return err
	}
	defer s.stop()
	cc, client, err := s.dial()
	if err != nil {
		return err
	}
	err = concurrentEcho(ctx, client, n)
	cc.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "%d concurrent requests, each held by the server until all %d have arrived:\n", n, n)
	fmt.Fprintf(e.out, "  %-22s %d TCP connections accepted\n", fmt.Sprint(proto.Load())+" (net/http):", h1)
	fmt.Fprintf(e.out, "  %-22s %d TCP connection accepted (streams 1, 3, ..., %d on it)\n", "HTTP/2 (gRPC):", s.srvLis.count.Load(), 2*n-1)
	return nil
}

func serve(ctx context.Context, addr string, out io.Writer) error {
	return demo.Serve(ctx, demo.Server{
		Addr:     addr,
		Register: func(s *grpc.Server) { h2demov1.RegisterDemoServiceServer(s, &demosvc.Server{}) },
		Out:      out,
		Banner:   "DemoService; put h2dump in front of it: go run ./ch02-grpc-core/cmd/h2dump -target ADDR",
	})
}

// record rewrites the lab's recordings: each scenario is one connection
// through the proxy, its bytes saved as they were read.
func record(ctx context.Context, dir string, out io.Writer) error {
	scenarios := []struct {
		name, about string
		svc         *demosvc.Server
		opts        []grpc.DialOption
		call        func(ctx context.Context, s *stack, client h2demov1.DemoServiceClient, svc *demosvc.Server) error
		watch       func(d dump.Dir, b []byte) // sees each chunk as it is recorded
	}{
		{"unary", "one Echo call, then the server's GracefulStop (two-phase GOAWAY)", &demosvc.Server{}, nil,
			func(ctx context.Context, s *stack, client h2demov1.DemoServiceClient, _ *demosvc.Server) error {
				if _, err := client.Echo(ctx, &h2demov1.EchoRequest{Name: "Grace Hopper", Age: 85}); err != nil {
					return err
				}
				s.srv.GracefulStop()
				return nil
			}, nil},
		{"mixed", "an error as Trailers-Only, a gzip-compressed call, a call the client cancels", &demosvc.Server{}, nil,
			func(ctx context.Context, s *stack, client h2demov1.DemoServiceClient, svc *demosvc.Server) error {
				if _, err := client.Echo(ctx, &h2demov1.EchoRequest{}); err == nil {
					return errors.New("an empty name should fail")
				}
				if _, err := client.Echo(ctx, &h2demov1.EchoRequest{Name: "Ada Lovelace", Age: 36}, grpc.UseCompressor(gzip.Name)); err != nil {
					return err
				}
				arrived := make(chan struct{})
				svc.BeforeReply = func(ctx context.Context) error { close(arrived); <-ctx.Done(); return ctx.Err() }
				cctx, cancel := context.WithCancel(ctx)
				go func() { <-arrived; cancel() }()
				if _, err := client.Echo(cctx, &h2demov1.EchoRequest{Name: "Alan Turing", Age: 41}); err == nil {
					return errors.New("the cancelled call succeeded")
				}
				return nil
			}, nil},
		{"stream", "a server stream of 8 messages of 16 KiB: messages span DATA frames, WINDOW_UPDATE, BDP pings", &demosvc.Server{}, nil,
			func(ctx context.Context, s *stack, client h2demov1.DemoServiceClient, _ *demosvc.Server) error {
				st, err := client.Download(ctx, &h2demov1.DownloadRequest{Size: 128 << 10, ChunkSize: 16 << 10})
				if err != nil {
					return err
				}
				for {
					if _, err := st.Recv(); errors.Is(err, io.EOF) {
						return nil
					} else if err != nil {
						return err
					}
				}
			}, nil},
		shutdown(),
	}
	for _, sc := range scenarios {
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "# h2dump recording: %s\n# made by: go run ./ch02-grpc-core/cmd/h2demo record ch02-grpc-core/h2dump/testdata\n", sc.about)
		rec := &dump.Recorder{W: &buf}
		var mu sync.Mutex
		p := &dump.Proxy{Dumper: dump.New(dump.Options{Impl: solution.Impl(), Out: io.Discard}),
			Record: func(_ int, d dump.Dir, b []byte, at time.Time) {
				mu.Lock()
				defer mu.Unlock()
				_ = rec.Write(d, b, at)
				if sc.watch != nil {
					sc.watch(d, b)
				}
			}}
		s, err := start(ctx, sc.svc, p)
		if err != nil {
			return err
		}
		cc, client, err := s.dial(sc.opts...)
		if err == nil {
			err = sc.call(ctx, s, client, sc.svc)
		}
		if cc != nil {
			cc.Close()
		}
		if err == nil {
			err = s.waitConn(ctx)
		}
		s.stop()
		if err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		path := filepath.Join(dir, sc.name+".h2rec")
		mu.Lock()
		err = os.WriteFile(path, buf.Bytes(), 0o644)
		mu.Unlock()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "wrote %s (%d bytes)\n", path, buf.Len())
	}
	return nil
}

// shutdown records GracefulStop with a call in flight: the whole two-phase
// GOAWAY. The handler is released only once the second GOAWAY is on the
// wire, which the recorder watches for.
func shutdown() struct {
	name, about string
	svc         *demosvc.Server
	opts        []grpc.DialOption
	call        func(ctx context.Context, s *stack, client h2demov1.DemoServiceClient, svc *demosvc.Server) error
	watch       func(d dump.Dir, b []byte)
} {
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var s2c []byte
	svc := &demosvc.Server{BeforeReply: func(ctx context.Context) error {
		close(arrived)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	watch := func(d dump.Dir, b []byte) {
		if d != dump.S2C {
			return
		}
		s2c = append(s2c, b...)
		for len(s2c) >= 9 {
			h, _ := solution.ParseFrameHeader(s2c)
			if len(s2c) < 9+int(h.Length) {
				return
			}
			p := s2c[9 : 9+h.Length]
			if h.Type == h2.FrameGoAway && len(p) >= 4 && binary.BigEndian.Uint32(p)&(1<<31-1) != 1<<31-1 {
				once.Do(func() { close(release) })
			}
			s2c = s2c[9+h.Length:]
		}
	}
	call := func(ctx context.Context, s *stack, client h2demov1.DemoServiceClient, _ *demosvc.Server) error {
		errc := make(chan error, 1)
		go func() {
			_, err := client.Echo(ctx, &h2demov1.EchoRequest{Name: "Barbara Liskov", Age: 86})
			errc <- err
		}()
		<-arrived
		stopped := make(chan struct{})
		go func() { s.srv.GracefulStop(); close(stopped) }()
		err := <-errc
		<-stopped
		return err
	}
	return struct {
		name, about string
		svc         *demosvc.Server
		opts        []grpc.DialOption
		call        func(ctx context.Context, s *stack, client h2demov1.DemoServiceClient, svc *demosvc.Server) error
		watch       func(d dump.Dir, b []byte)
	}{"shutdown", "GracefulStop while a call is in flight: GOAWAY(2^31-1), PING, ACK, GOAWAY(1), the call completes", svc, nil, call, watch}
}
