// Command checkout demonstrates chapter 4.4 (the tracing and metrics
// labs) on the shop: a shopper calls the gateway over HTTP, the gateway
// calls orders, orders calls inventory through a circuit breaker, the
// inventory (behind a rate limit) updates its database. Every service
// records spans with its own service.name, counts its calls in Prometheus
// metrics, and logs JSON lines that carry the trace id.
//
//	go run ./ch04-governance/cmd/checkout > spans.json     # 5 checkouts; spans on stdout, logs on stderr
//	go run ./ch04-governance/cmd/tracetree -file=spans.json
//
//	go run ./ch04-governance/cmd/tracetree -listen=127.0.0.1:4317 &
//	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317 OTEL_EXPORTER_OTLP_INSECURE=true \
//	    go run ./ch04-governance/cmd/checkout -serve -metrics-addr=127.0.0.1:9464
//	curl -H 'baggage: user.id=u-7' -X POST 'http://127.0.0.1:<port>/checkout?item=apple&qty=2'
//	curl http://127.0.0.1:9464/metrics
//
// With -role=gateway|orders|inventory it runs one service only, named by
// OTEL_SERVICE_NAME if set, so the shop can run as three processes. Spans
// go where the standard OTEL_* variables say (stdout by default); logs go
// to stderr.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/grpclabs/labs/ch04-governance/cmd/internal/telemetry"
	ordersv1 "github.com/grpclabs/labs/ch04-governance/gen/orders/v1"
	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
	resilience "github.com/grpclabs/labs/ch04-governance/resilience/solution"
	"github.com/grpclabs/labs/ch04-governance/shop"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("checkout", run) }

type options struct {
	impl                      telemetry.Impl
	implName, role            string
	httpAddr, grpcAddr        string
	ordersAddr, inventoryAddr string
	metricsAddr               string
	requests                  int
	serve, dbDown             bool
	ratio, rate               float64
	burst                     int
}

func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("checkout")
	var o options
	implName := demo.ImplFlag(fs)
	fs.StringVar(&o.role, "role", "all", "which services run: all (in this process), gateway, orders or inventory")
	fs.StringVar(&o.httpAddr, "http", "127.0.0.1:0", "the gateway's HTTP address")
	fs.StringVar(&o.grpcAddr, "grpc", "127.0.0.1:0", "with -role=orders or inventory: its gRPC address")
	fs.StringVar(&o.ordersAddr, "orders", "", "with -role=gateway: the orders service's address")
	fs.StringVar(&o.inventoryAddr, "inventory", "", "with -role=orders: the inventory service's address")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "127.0.0.1:0", "where /metrics is served (empty: nowhere)")
	fs.IntVar(&o.requests, "requests", 5, "with -role=all or gateway: checkouts the built-in shopper makes")
	fs.BoolVar(&o.serve, "serve", false, "keep serving after the shopper's checkouts, until Ctrl-C")
	fs.BoolVar(&o.dbDown, "db-down", false, "the inventory's database fails every statement (watch the breaker open)")
	fs.Float64Var(&o.ratio, "ratio", 1, "the share of new traces that are sampled")
	fs.Float64Var(&o.rate, "rate", 100, "the inventory's rate limit per client, calls per second")
	fs.IntVar(&o.burst, "burst", 20, "the inventory's burst per client")
	if err := demo.Parse(fs, args, "checkout [flags]", 0, stdio.Err); err != nil {
		return err
	}
	var err error
	if o.impl, err = telemetry.Pick(*implName); err != nil {
		return err
	}
	o.implName = *implName
	switch {
	case o.role != "all" && o.role != "gateway" && o.role != "orders" && o.role != "inventory":
		return demo.Usagef("-role must be all, gateway, orders or inventory, got %q", o.role)
	case o.role == "gateway" && o.ordersAddr == "":
		return demo.Usagef("-role=gateway needs -orders=HOST:PORT")
	case o.role == "orders" && o.inventoryAddr == "":
		return demo.Usagef("-role=orders needs -inventory=HOST:PORT")
	case o.requests < 0 || o.ratio < 0 || o.ratio > 1 || o.rate <= 0 || o.burst < 1:
		return demo.Usagef("-requests must be >= 0, -ratio in [0, 1], -rate > 0, -burst >= 1")
	}
	return newShop(o, stdio).run(ctx)
}

// shopProcess is what one process of the shop runs.
type shopProcess struct {
	o     options
	stdio demo.IO
	log   *slog.Logger
	reg   *prometheus.Registry

	mu        sync.Mutex
	providers []*sdktrace.TracerProvider
	cleanup   []func()
}

func newShop(o options, stdio demo.IO) *shopProcess {
	p := &shopProcess{o: o, stdio: stdio, reg: prometheus.NewRegistry()}
	p.log = slog.New(o.impl.TraceHandler(slog.NewJSONHandler(stdio.Err, nil)))
	return p
}

// provider returns a tracer provider for service, exporting where the
// environment says.
func (p *shopProcess) provider(ctx context.Context, service string) (*sdktrace.TracerProvider, error) {
	exp, err := p.o.impl.NewExporter(ctx, p.stdio.Out)
	if err != nil {
		return nil, err
	}
	tp, err := p.o.impl.NewProvider(service, p.o.ratio, sdktrace.NewBatchSpanProcessor(exp))
	if err != nil {
		exp.Shutdown(ctx)
		return nil, err
	}
	p.mu.Lock()
	p.providers = append(p.providers, tp)
	p.mu.Unlock()
	return tp, nil
}

// name is a service's name: its role, or OTEL_SERVICE_NAME when this
// process is that one service.
func (p *shopProcess) name(role string) string {
	if p.o.role == role {
		return cmp.Or(os.Getenv("OTEL_SERVICE_NAME"), role)
	}
	return role
}

func (p *shopProcess) run(ctx context.Context) (err error) {
	p.log.Info("starting", "impl", p.o.implName, "role", p.o.role)
	if p.o.role == "all" && os.Getenv("OTEL_SERVICE_NAME") != "" {
		p.log.Warn("OTEL_SERVICE_NAME is ignored with -role=all: this process plays several services and names each; use -role to run one")
	}
	sm, err := p.o.impl.NewServerMetrics(p.reg)
	if err != nil {
		return fmt.Errorf("impl=%s: %w", p.o.implName, err)
	}
	cm, err := p.o.impl.NewClientMetrics(p.reg)
	if err != nil {
		return fmt.Errorf("impl=%s: %w", p.o.implName, err)
	}
	gov, err := p.o.impl.NewGovernance(p.reg)
	if err != nil {
		return fmt.Errorf("impl=%s: %w", p.o.implName, err)
	}
	defer func() { err = errors.Join(err, p.shutdown()) }()

	srvCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	serveGRPC := func(service, addr string, register func(*grpc.Server), opts []grpc.ServerOption) (string, error) {
		lis, err := net.Listen("tcp", addr)
		if err != nil {
			return "", fmt.Errorf("%s: cannot listen: %w", service, err)
		}
		p.log.Info("listening", "service", service, "addr", lis.Addr().String())
		wg.Go(func() {
			errs <- demo.Serve(srvCtx, demo.Server{Listener: lis, Register: register, Options: opts, Grace: 5 * time.Second})
		})
		return lis.Addr().String(), nil
	}
	serveHTTP := func(what, addr string, h http.Handler) (string, error) {
		lis, err := net.Listen("tcp", addr)
		if err != nil {
			return "", fmt.Errorf("%s: cannot listen: %w", what, err)
		}
		p.log.Info("listening", "service", what, "addr", lis.Addr().String())
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		wg.Go(func() {
			if err := srv.Serve(lis); !errors.Is(err, http.ErrServerClosed) {
				errs <- err
			}
		})
		p.onShutdown(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
		})
		return lis.Addr().String(), nil
	}
	defer func() {
		stop()
		p.runCleanup()
		wg.Wait()
		close(errs)
		for e := range errs {
			err = errors.Join(err, e)
		}
	}()

	if p.o.metricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("/metrics", p.o.impl.MetricsHandler(p.reg))
		if _, err := serveHTTP("metrics", p.o.metricsAddr, mux); err != nil {
			return err
		}
	}

	dial := func(addr string, tp trace.TracerProvider, more ...grpc.DialOption) (*grpc.ClientConn, error) {
		opts := append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithChainUnaryInterceptor(cm.Unary()), grpc.WithChainStreamInterceptor(cm.Stream())}, p.o.impl.DialOptions(tp)...)
		conn, err := grpc.NewClient(addr, append(opts, more...)...)
		if err == nil {
			p.onShutdown(func() { conn.Close() })
		}
		return conn, err
	}

	inventoryAddr := p.o.inventoryAddr
	if p.o.role == "all" || p.o.role == "inventory" {
		tp, err := p.provider(ctx, p.name("inventory"))
		if err != nil {
			return err
		}
		db := shop.NewMemDB(map[string]int{"apple": 1000, "pear": 3})
		if p.o.dbDown {
			db.Inject(0, errors.New("connection refused"))
		}
		limits, err := resilience.NewKeyedLimiter(p.o.rate, p.o.burst, 10_000)
		if err != nil {
			return err
		}
		opts := append(p.o.impl.ServerOptions(tp), grpc.ChainUnaryInterceptor(sm.Unary(), gov.Limited(), resilience.RateLimit(limits, resilience.ClientKey)), grpc.ChainStreamInterceptor(sm.Stream()))
		inv := &shop.Inventory{DB: p.o.impl.TraceDB(tp, db), Log: p.log.With("service", p.name("inventory"))}
		addr := p.o.grpcAddr
		if p.o.role == "all" {
			addr = "127.0.0.1:0"
		}
		if inventoryAddr, err = serveGRPC("inventory", addr, func(g *grpc.Server) { ordersv1.RegisterInventoryServiceServer(g, inv) }, opts); err != nil {
			return err
		}
	}

	ordersAddr := p.o.ordersAddr
	if p.o.role == "all" || p.o.role == "orders" {
		tp, err := p.provider(ctx, p.name("orders"))
		if err != nil {
			return err
		}
		breakers, err := resilience.NewBreakers(policy.InterceptorConfig{Breaker: policy.BreakerConfig{OnStateChange: gov.OnStateChange}})
		if err != nil {
			return err
		}
		conn, err := dial(inventoryAddr, tp, grpc.WithChainUnaryInterceptor(breakers.Unary()))
		if err != nil {
			return err
		}
		orders := &shop.Orders{Inventory: ordersv1.NewInventoryServiceClient(conn), Log: p.log.With("service", p.name("orders"))}
		opts := append(p.o.impl.ServerOptions(tp), grpc.ChainUnaryInterceptor(sm.Unary()), grpc.ChainStreamInterceptor(sm.Stream()))
		addr := p.o.grpcAddr
		if p.o.role == "all" {
			addr = "127.0.0.1:0"
		}
		if ordersAddr, err = serveGRPC("orders", addr, func(g *grpc.Server) { ordersv1.RegisterOrderServiceServer(g, orders) }, opts); err != nil {
			return err
		}
	}

	if p.o.role == "all" || p.o.role == "gateway" {
		tp, err := p.provider(ctx, p.name("gateway"))
		if err != nil {
			return err
		}
		conn, err := dial(ordersAddr, tp)
		if err != nil {
			return err
		}
		gw := p.o.impl.TraceHTTP(tp, &shop.Gateway{Orders: ordersv1.NewOrderServiceClient(conn), Log: p.log.With("service", p.name("gateway"))})
		httpAddr, err := serveHTTP("gateway", p.o.httpAddr, gw)
		if err != nil {
			return err
		}
		if p.o.requests > 0 {
			if err := p.shop(ctx, "http://"+httpAddr+"/checkout"); err != nil {
				return err
			}
		}
	}

	if p.o.serve || p.o.role == "orders" || p.o.role == "inventory" {
		select {
		case <-ctx.Done():
		case err := <-errs:
			return err
		}
	}
	return nil
}

// shop is the built-in shopper: its own service, whose client span is the
// root of each checkout's trace. Every fifth order asks for more pears
// than there are.
func (p *shopProcess) shop(ctx context.Context, url string) error {
	tp, err := p.provider(ctx, "shopper")
	if err != nil {
		return err
	}
	tracer := tp.Tracer("github.com/grpclabs/labs/ch04-governance/cmd/checkout")
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	client := &http.Client{Timeout: 30 * time.Second}
	for i := 1; i <= p.o.requests; i++ {
		item, qty := "apple", 1+i%3
		if i%5 == 0 {
			item, qty = "pear", 10
		}
		user, _ := baggage.NewMember("user.id", fmt.Sprintf("u-%d", 100+i%4))
		bag, _ := baggage.New(user)
		rctx, span := tracer.Start(baggage.ContextWithBaggage(ctx, bag), "POST /checkout", trace.WithSpanKind(trace.SpanKindClient))
		req, _ := http.NewRequestWithContext(rctx, http.MethodPost, fmt.Sprintf("%s?item=%s&qty=%d", url, item, qty), nil)
		prop.Inject(rctx, propagation.HeaderCarrier(req.Header))
		resp, err := client.Do(req)
		if err != nil {
			span.End()
			return fmt.Errorf("checkout %d: %w", i, err)
		}
		var receipt shop.Receipt
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		json.Unmarshal(body, &receipt)
		span.End()
		p.log.InfoContext(rctx, "shopper got an answer", "service", "shopper", "item", item, "qty", qty, "status", resp.StatusCode,
			"order_id", receipt.OrderID, "error", strings.TrimSpace(receipt.Error))
	}
	return nil
}

func (p *shopProcess) onShutdown(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cleanup = append(p.cleanup, f)
}

func (p *shopProcess) runCleanup() {
	p.mu.Lock()
	fs := p.cleanup
	p.cleanup = nil
	p.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// shutdown flushes every provider, so no span is lost at exit.
func (p *shopProcess) shutdown() error {
	p.mu.Lock()
	tps := p.providers
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	for _, tp := range tps {
		err = errors.Join(err, tp.Shutdown(ctx))
	}
	return err
}
